/** The local run store (SQLite): what the loader, the handlers and the CLI use. */
export { type DataDirOptions, resolveDataDir, storeFileIn } from './data-dir.ts';
export {
  CSV_REPORT_COLUMNS,
  csvReportHeader,
  type ExportOptions,
  exportReport,
  REPORT_FORMATS,
  type ReportFormat,
  reportFormatFromPath,
} from './export.ts';
export { INTERRUPTED_REASON } from './interrupted.ts';
export type { JobLock, JobLockHolder } from './job-locks.ts';
export { type OpenStoreOptions, openStore, type RunStore } from './open-store.ts';
export {
  formatPostgresUrl,
  isPostgresUrl,
  parsePostgresUrl,
  redactSecrets,
  redactUrl,
  SSL_MODES,
  type SslMode,
  sslOptionFor,
} from './postgres-url.ts';
export type { RejectWriter } from './rejects.ts';
export {
  LOCAL_CONNECTION,
  type ResolveConnectionOptions,
  type ResolvedConnection,
  resolveConnection,
} from './resolve-connection.ts';
export type { SchedulerHolder, SchedulerSeat } from './schedulers.ts';
export type { ScheduleState } from './schedules.ts';
export { fromSafeStorage, KeyedSecretStore, NoSecretStore, type SecretStore } from './secret-store.ts';
export type * from './types.ts';
export { RUN_STATUSES } from './types.ts';
