-- Where a rejected record came from when its line alone does not say: an HTTP API page and the
-- record's index in it, or a database row's key (JSON of core/common/types.ts RecordPlace); NULL
-- for file sources, whose line says it. Never edit once released: add a new numbered file instead.
ALTER TABLE rejected_rows ADD COLUMN place TEXT;
