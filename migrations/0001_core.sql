-- Loadstone run store, schema 1: connections, jobs, runs, run events, rejected rows.
-- Times are ISO 8601 UTC text (they sort as text); JSON columns hold compact JSON text.
-- Applied inside a transaction by core/node/store/migrate.ts. Never edit once released:
-- add a new numbered file instead (the store refuses to open when an applied file changed).

CREATE TABLE connections (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
  kind        TEXT NOT NULL,
  host        TEXT NOT NULL,
  port        INTEGER NOT NULL,
  database    TEXT NOT NULL,
  user_name   TEXT NOT NULL,
  ssl_mode    TEXT NOT NULL,
  options     TEXT NOT NULL DEFAULT '{}',
  -- Encrypted by the SecretStore (Electron safeStorage); NULL when there is no secret. Never plain text.
  secret      BLOB,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);

CREATE TABLE jobs (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  spec        TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);

-- `seq` orders runs and keys child rows compactly; `id` is the short id users see and type.
CREATE TABLE runs (
  seq             INTEGER PRIMARY KEY AUTOINCREMENT,
  id              TEXT NOT NULL UNIQUE,
  job_name        TEXT,
  spec            TEXT NOT NULL,
  source          TEXT NOT NULL,
  source_columns  TEXT NOT NULL DEFAULT '[]',
  target          TEXT NOT NULL,
  target_table    TEXT NOT NULL,
  mode            TEXT NOT NULL,
  dry_run         INTEGER NOT NULL DEFAULT 0,
  status          TEXT NOT NULL
                  CHECK (status IN ('running', 'succeeded', 'failed', 'cancelled', 'interrupted')),
  phase           TEXT,
  rows_read       INTEGER NOT NULL DEFAULT 0,
  rows_inserted   INTEGER NOT NULL DEFAULT 0,
  rows_updated    INTEGER NOT NULL DEFAULT 0,
  rows_unchanged  INTEGER NOT NULL DEFAULT 0,
  rows_rejected   INTEGER NOT NULL DEFAULT 0,
  started_at      TEXT NOT NULL,
  ended_at        TEXT,
  error_code      TEXT,
  error_message   TEXT,
  -- Which process runs it: at open, only runs whose process is gone become 'interrupted'.
  owner_pid       INTEGER,
  owner_host      TEXT
);
CREATE INDEX runs_by_status ON runs (status);

CREATE TABLE run_events (
  id       INTEGER PRIMARY KEY,
  run_seq  INTEGER NOT NULL REFERENCES runs (seq) ON DELETE CASCADE,
  at       TEXT NOT NULL,
  kind     TEXT NOT NULL,
  message  TEXT,
  data     TEXT
);
CREATE INDEX run_events_by_run ON run_events (run_seq);

-- One row per rejected record: the raw record (JSON object keyed by source header, file order),
-- the source text when fields could not be split, and the errors as a JSON array.
-- raw_exact = 1 when `raw` holds JSON numbers whose text JSON.parse would not reproduce.
CREATE TABLE rejected_rows (
  id         INTEGER PRIMARY KEY,
  run_seq    INTEGER NOT NULL REFERENCES runs (seq) ON DELETE CASCADE,
  line       INTEGER NOT NULL,
  stage      TEXT NOT NULL CHECK (stage IN ('parse', 'normalize', 'load')),
  raw        TEXT NOT NULL,
  raw_exact  INTEGER NOT NULL DEFAULT 0,
  raw_text   TEXT,
  errors     TEXT NOT NULL
);
CREATE INDEX rejected_rows_by_run ON rejected_rows (run_seq);

-- One row per error, for filtering and summaries. row_id points at rejected_rows.id without a
-- foreign key: both are deleted by run (retention), and an FK would need one more index to delete.
CREATE TABLE reject_errors (
  id           INTEGER PRIMARY KEY,
  run_seq      INTEGER NOT NULL REFERENCES runs (seq) ON DELETE CASCADE,
  row_id       INTEGER NOT NULL,
  stage        TEXT NOT NULL,
  column_name  TEXT,
  reason       TEXT NOT NULL,
  value        TEXT
);
CREATE INDEX reject_errors_by_run ON reject_errors (run_seq);
