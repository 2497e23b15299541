-- Loadstone run store, migration 0011: the origin a saved API secret is for. A secret saved for
-- https://api.example.com is sent only there (scheme, host and port): a job or a form edited to
-- another URL cannot carry it to another server; the operator types it again for the new one.
-- NULL: saved by an earlier version; bound to the origin of its first use. Never edit once released:
-- add a new numbered file instead.
ALTER TABLE source_secrets ADD COLUMN origin TEXT;
