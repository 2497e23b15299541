-- Loadstone run store, migration 0005: where an interrupted load stopped, and resumed runs.
-- committed: JSON of the run's last COMMIT (loads with commit-every): the committed source prefix
--   (records, line of its last record, bytes of the file hashed and their sha256) and the committed
--   counts. Written right after each COMMIT; the target holds the same in its control row.
-- source_fingerprint: JSON {path, size, mtimeMs} of the source file when the run started.
-- resume_of: the run this one resumes (load --resume); resume_from: JSON of the committed prefix it
--   started after (the same shape as committed; NULL when it re-read the whole file).
-- counts_origin: for a run that stopped with committed rows, where its counts come from:
--   'target' (the control row, read back) or 'run_store' (the last commit this store heard of).
ALTER TABLE runs ADD COLUMN committed TEXT;
ALTER TABLE runs ADD COLUMN source_fingerprint TEXT;
ALTER TABLE runs ADD COLUMN resume_of TEXT;
ALTER TABLE runs ADD COLUMN resume_from TEXT;
ALTER TABLE runs ADD COLUMN counts_origin TEXT;
CREATE INDEX runs_by_resume_of ON runs (resume_of);
