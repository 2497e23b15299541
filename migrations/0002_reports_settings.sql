-- Loadstone run store, schema 2: report filter/summary indexes, settings, watermarks.

-- Report filters and the reason × column summary read these indexes only (each ends with
-- row_id, so pages come out in record order without a sort).
CREATE INDEX reject_errors_by_reason ON reject_errors (run_seq, reason, column_name, row_id);
CREATE INDEX reject_errors_by_column ON reject_errors (run_seq, column_name, row_id);
-- Both start with run_seq, which the foreign key to runs needs; the plain one is now redundant.
DROP INDEX reject_errors_by_run;
CREATE INDEX rejected_rows_by_stage ON rejected_rows (run_seq, stage);

CREATE TABLE settings (
  key    TEXT PRIMARY KEY,
  value  TEXT NOT NULL
) WITHOUT ROWID;

-- High-water marks of incremental loads, per job and target table.
CREATE TABLE watermarks (
  job_key       TEXT NOT NULL,
  target_table  TEXT NOT NULL,
  value         TEXT NOT NULL,
  run_id        TEXT,
  updated_at    TEXT NOT NULL,
  PRIMARY KEY (job_key, target_table)
) WITHOUT ROWID;
