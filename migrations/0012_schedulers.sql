-- Loadstone run store, migration 0012: the schedulers running on this store. One row per scheduler
-- (the app's engine, `loadstone scheduler`) while it runs, with its pid, host and a heartbeat it
-- refreshes at each look at the jobs. The oldest live one runs due jobs; the others stand by and take
-- over when it stops or dies (same host and no such pid, or no heartbeat for 2 minutes). `jobs list`
-- reads it to say when no scheduler is running. Never edit once released: add a new numbered file.
CREATE TABLE schedulers (
  token         TEXT PRIMARY KEY,
  owner_pid     INTEGER NOT NULL,
  owner_host    TEXT NOT NULL,
  purpose       TEXT NOT NULL,
  started_at    TEXT NOT NULL,
  heartbeat_at  TEXT NOT NULL
);
