/** The PostgreSQL loader: `loadIntoPostgres` and the compatibility check the UI shows before a load. */
export { type CompatibilityOptions, checkCompatibility } from './compatibility.ts';
export { DEFAULT_CHUNK_ROWS, loadIntoPostgres } from './load-into-postgres.ts';
export { ERROR_RATE_MIN_ROWS } from './session.ts';
export type {
  CompatibilityReport,
  ExtraColumn,
  IncompatibleColumn,
  LoadBatch,
  LoadColumn,
  LoadInput,
  LoadPhase,
  LoadProgress,
  LoadResult,
  LoadRow,
} from './types.ts';
