/**
 * The PostgreSQL loader: `loadIntoPostgres`, the compatibility check the UI shows before a load, and
 * what a failed load reports. It knows nothing of runs, the store or sources (see `runs/`).
 */
export {
  type CompatibilityOptions,
  checkCompatibility,
  readTargetTypes,
  typeOfTableColumn,
} from './compatibility.ts';
export { type LoadFailureCounts, loadFailureCounts } from './failure-counts.ts';
export { DEFAULT_CHUNK_ROWS, loadIntoPostgres } from './load-into-postgres.ts';
export { ERROR_RATE_MIN_ROWS } from './session.ts';
export { createSchemaSql, createUniqueIndexSql } from './setup.ts';
export type {
  CompatibilityReport,
  ExtraColumn,
  IncompatibleColumn,
  LoadBatch,
  LoadColumn,
  LoadCommitHooks,
  LoadCommitPoint,
  LoadInput,
  LoadPhase,
  LoadProgress,
  LoadResult,
  LoadRow,
  LockWait,
  TargetFix,
} from './types.ts';
