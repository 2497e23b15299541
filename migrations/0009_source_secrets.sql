-- Loadstone run store, migration 0009: secrets of HTTP API sources (a bearer token, a password, an
-- OAuth2 client secret, an API key) saved by the app. A job spec names one as { "secret": "<id>" };
-- the value is encrypted by the SecretStore (Electron safeStorage), never plain text, and never read
-- back out to the renderer. Never edit once released: add a new numbered file instead.
CREATE TABLE source_secrets (
  id          TEXT PRIMARY KEY,
  secret      BLOB NOT NULL,
  created_at  TEXT NOT NULL
);
