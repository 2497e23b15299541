-- Loadstone run store, migration 0004: what an export for fixing and a reload of it need.
-- reload_of: the run whose rejected rows this run reloads (a fixed export for fixing); the original's
--   `reloadedBy` is the runs whose reload_of names it. NULL for every other run.
-- source_format: the source's dialect as read (JSON: kind, encoding, delimiter, quote, header, bom,
--   compression), so an export for fixing writes the rows back as the source had them. NULL for
--   runs recorded before this schema (their export for fixing falls back to the spec's own fields).
-- column_plans: the columns as the run decided them (JSON array of job-spec columns: source, name,
--   type, skip and the resolved formats), so a reload loads the fixed rows exactly as the original
--   run would have. NULL before this schema (a reload then uses the original spec's columns).
ALTER TABLE runs ADD COLUMN reload_of TEXT;
ALTER TABLE runs ADD COLUMN source_format TEXT;
ALTER TABLE runs ADD COLUMN column_plans TEXT;
CREATE INDEX runs_by_reload_of ON runs (reload_of) WHERE reload_of IS NOT NULL;
