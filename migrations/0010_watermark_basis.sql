-- Loadstone run store, migration 0010: what a watermark is a mark of. A named job keeps one mark per
-- target table; when the job's database source (connection, table or query) or its watermark column
-- changes, the mark kept for the old one must not cut the new one's rows. `basis` names them; a
-- mark whose basis differs from the run's is set aside (the run reads everything, merged by its key).
-- NULL: kept by an earlier version, taken as it is. Never edit once released: add a new numbered file.
ALTER TABLE watermarks ADD COLUMN basis TEXT;
