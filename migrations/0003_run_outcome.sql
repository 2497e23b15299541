-- Loadstone run store, migration 0003: what a run did, counted apart and timed once.
-- rows_skipped: incremental rows at or below the watermark the run started from (before this
--   schema they were counted in rows_unchanged).
-- rows_superseded: rows a later row of the same key in the same load replaced (upsert and
--   incremental, the last row wins; before this schema they were counted as updates).
-- watermark_before / watermark_after: an incremental run's watermark when it started and the one it
--   stored when it committed (NULL: none, or not incremental).
-- duration_ms: the run's one duration, from the start of the load to its end, as every screen and
--   the CLI show it (NULL for runs recorded before this schema: they show ended_at - started_at).
ALTER TABLE runs ADD COLUMN rows_skipped INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN rows_superseded INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN watermark_before TEXT;
ALTER TABLE runs ADD COLUMN watermark_after TEXT;
ALTER TABLE runs ADD COLUMN duration_ms INTEGER;
