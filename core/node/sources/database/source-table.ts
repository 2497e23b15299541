/** A table (or view) a database source can read, as `sources.tables` lists it. */
export interface SourceTable {
  /** Schema (PostgreSQL, MySQL database) or attached database name (SQLite: `main`). */
  schema: string;
  name: string;
  view: boolean;
  /** Row estimate: the planner's for PostgreSQL, the largest rowid for SQLite; null when unknown. */
  rows: number | null;
}
