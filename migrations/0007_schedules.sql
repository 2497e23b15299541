-- Loadstone run store, migration 0007: job locks, schedule state, what started a run.
-- job_locks: one row while a saved job runs, in whichever process (CLI `jobs run`, `loadstone
--   scheduler`, the desktop or browser engine). Taken in a write transaction; a row whose process is
--   provably gone (same host and no such pid, another host, or no heartbeat for 2 minutes) is taken over.
-- job_schedules: per saved job, whether its schedule is paused, when it last fired, when it runs next
--   (as the last scheduler to look computed it), and the last run a schedule started.
-- runs.trigger: what started a run: 'manual' (the app, `load`, `jobs run`) or 'schedule'.
CREATE TABLE job_locks (
  job_name      TEXT PRIMARY KEY,
  token         TEXT NOT NULL,
  owner_pid     INTEGER NOT NULL,
  owner_host    TEXT NOT NULL,
  purpose       TEXT NOT NULL,
  acquired_at   TEXT NOT NULL,
  heartbeat_at  TEXT NOT NULL
);

CREATE TABLE job_schedules (
  job_name      TEXT PRIMARY KEY,
  paused        INTEGER NOT NULL DEFAULT 0,
  last_fired_at TEXT,
  next_run_at   TEXT,
  last_run_id   TEXT,
  updated_at    TEXT NOT NULL
);

ALTER TABLE runs ADD COLUMN trigger TEXT NOT NULL DEFAULT 'manual';
