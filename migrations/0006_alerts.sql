-- Loadstone run store, migration 0006: alert channels and every delivery attempted.
-- alert_channels.config: what is not secret (a webhook's URL, a Telegram chat id and API base, e-mail
--   addresses, whether
--   a sample of values may be sent) and the names of the environment variables that hold secrets
--   (the CLI's way: it cannot encrypt). alert_channels.secret: secrets (Slack webhook URL, bot token,
--   webhook signing secret, SMTP URL) as JSON encrypted by the SecretStore (desktop app); NULL when none.
--   Never plain text.
CREATE TABLE alert_channels (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
  kind        TEXT NOT NULL CHECK (kind IN ('desktop', 'slack', 'telegram', 'webhook', 'email')),
  config      TEXT NOT NULL DEFAULT '{}',
  secret      BLOB,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);

-- One row per message meant for one channel: sent, failed (retries exhausted or a final answer),
-- abandoned (the process stopped waiting), suppressed (inside the cooldown of an earlier message
-- about the same job: counted by the next message instead), pending (being delivered).
-- run_seq is NULL for schedule problems (no run). message_id is the Standard Webhooks `webhook-id`.
CREATE TABLE alert_deliveries (
  id          INTEGER PRIMARY KEY,
  message_id  TEXT NOT NULL,
  channel     TEXT NOT NULL COLLATE NOCASE,
  kind        TEXT NOT NULL,
  run_seq     INTEGER REFERENCES runs (seq) ON DELETE CASCADE,
  job_key     TEXT NOT NULL,
  event       TEXT NOT NULL,
  status      TEXT NOT NULL
              CHECK (status IN ('pending', 'sent', 'failed', 'abandoned', 'suppressed')),
  attempts    INTEGER NOT NULL DEFAULT 0,
  error_code  TEXT,
  last_error  TEXT,
  answer      TEXT,
  counted     INTEGER NOT NULL DEFAULT 1,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
);
CREATE INDEX alert_deliveries_by_run ON alert_deliveries (run_seq);
CREATE INDEX alert_deliveries_by_job ON alert_deliveries (job_key, channel, created_at);
