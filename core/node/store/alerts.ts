import { randomUUID } from 'node:crypto';
import {
  ALERT_CHANNEL_KINDS,
  ALERT_CHANNEL_NAME_RE,
  type AlertChannelKind,
  type AlertRules,
  alertRulesSchema,
} from '../../common/alerts/rules.ts';
import { LoadstoneError } from '../../common/errors.ts';
import { toValidationIssues } from '../../common/spec/job-spec.ts';
import type { StoreContext } from './context.ts';

/**
 * A channel's settings that are not secret. A secret is either saved encrypted (desktop app) or
 * named by an environment variable read when a message is sent (`*Env`: the CLI's way).
 */
export interface AlertChannelConfig {
  /** webhook: where the JSON is posted (not secret; the signature proves the sender). */
  url?: string;
  /** webhook: variable holding the `whsec_…` signing secret. */
  secretEnv?: string;
  /** slack: variable holding the incoming webhook URL. */
  webhookUrlEnv?: string;
  /** telegram: variable holding the bot token. */
  tokenEnv?: string;
  /** telegram: the chat to write to. */
  chatId?: string;
  /** telegram: Bot API base (default https://api.telegram.org). */
  apiBase?: string;
  /** email: recipients (comma-separated) and sender. */
  to?: string;
  from?: string;
  /** email: variable holding the SMTP URL (`smtps://user:password@host:465`). */
  smtpUrlEnv?: string;
  /** Send example values of the top reasons (default false: no cell value leaves the machine). */
  includeSample?: boolean;
}

/** Secrets given in clear to be saved encrypted (refused when the SecretStore cannot encrypt). */
export interface AlertChannelSecrets {
  secret?: string;
  webhookUrl?: string;
  token?: string;
  smtpUrl?: string;
}

/** A saved channel as lists show it: no secret, only whether one is saved. */
export interface AlertChannelInfo {
  name: string;
  kind: AlertChannelKind;
  config: AlertChannelConfig;
  hasSavedSecret: boolean;
  createdAt: string;
  updatedAt: string;
}

/** Delivery statuses, as stored. */
export const DELIVERY_STATUSES = ['pending', 'sent', 'failed', 'abandoned', 'suppressed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One message meant for one channel, and what became of it. */
export interface AlertDelivery {
  id: number;
  messageId: string;
  channel: string;
  kind: AlertChannelKind;
  runId: string | null;
  jobKey: string;
  event: string;
  status: DeliveryStatus;
  attempts: number;
  errorCode: string | null;
  lastError: string | null;
  /** What the channel answered (e.g. `HTTP 200 ok`), scrubbed and shortened. */
  answer: string | null;
  /** How many events this message counts (it includes those suppressed before it). */
  counted: number;
  createdAt: string;
  updatedAt: string;
}

export interface NewDelivery {
  channel: string;
  kind: AlertChannelKind;
  runId: string | null;
  jobKey: string;
  event: string;
  status: 'pending' | 'suppressed';
  counted?: number;
}

/** Alert channels, the default rule and the deliveries. */
export interface AlertsRepo {
  listChannels(): AlertChannelInfo[];
  getChannel(name: string): AlertChannelInfo | undefined;
  /**
   * Saves a channel (`replace`: over one of the same name).
   * @throws LoadstoneError BAD_USAGE (bad name, duplicate, config not fitting the kind),
   *   SECRET_UNAVAILABLE (secrets given and the SecretStore cannot encrypt).
   */
  saveChannel(
    input: {
      name: string;
      kind: AlertChannelKind;
      config: AlertChannelConfig;
      secrets?: AlertChannelSecrets;
    },
    opts?: { replace?: boolean },
  ): AlertChannelInfo;
  removeChannel(name: string): boolean;
  /** The saved (decrypted) secrets of a channel; only for sending. */
  savedSecrets(name: string): AlertChannelSecrets;
  /** The rule for jobs that have none (null: none set). */
  defaultRules(): AlertRules | null;
  /** @throws LoadstoneError BAD_USAGE. */
  setDefaultRules(rules: unknown): AlertRules | null;
  /** Records a new delivery; returns it (a fresh `webhook-id`). */
  addDelivery(input: NewDelivery): AlertDelivery;
  updateDelivery(
    id: number,
    patch: Partial<
      Pick<AlertDelivery, 'status' | 'attempts' | 'errorCode' | 'lastError' | 'answer' | 'counted'>
    >,
  ): void;
  deliveriesOfRun(runId: string): AlertDelivery[];
  delivery(id: number): AlertDelivery | undefined;
  /**
   * The last message sent (or being sent) about a job's problems on a channel since `sinceIso`. A
   * message that failed starts no cooldown: the next problem is sent.
   */
  lastProblemMessage(jobKey: string, channel: string, sinceIso: string): AlertDelivery | undefined;
  /** Problems suppressed for a job on a channel since its last message (they are counted by the next). */
  suppressedSinceLast(jobKey: string, channel: string): number;
}

const ENV_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SETTINGS_KEY = 'alerts';

interface ChannelRow {
  name: string;
  kind: AlertChannelKind;
  config: string;
  secret: Buffer | null;
  created_at: string;
  updated_at: string;
}

interface DeliveryRow {
  id: number;
  message_id: string;
  channel: string;
  kind: AlertChannelKind;
  run_id: string | null;
  job_key: string;
  event: string;
  status: DeliveryStatus;
  attempts: number;
  error_code: string | null;
  last_error: string | null;
  answer: string | null;
  counted: number;
  created_at: string;
  updated_at: string;
}

const DELIVERY_SELECT = `SELECT d.*, r.id AS run_id FROM alert_deliveries d LEFT JOIN runs r ON r.seq = d.run_seq`;

/** Creates the alerts part of a store. */
export function createAlertsRepo(ctx: StoreContext): AlertsRepo {
  const { db } = ctx;
  const byName = db.prepare('SELECT * FROM alert_channels WHERE name = ?');
  const all = db.prepare('SELECT * FROM alert_channels ORDER BY name COLLATE NOCASE');
  const insert = db.prepare(
    'INSERT INTO alert_channels (name, kind, config, secret, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const del = db.prepare('DELETE FROM alert_channels WHERE name = ?');
  const getSetting = db.prepare('SELECT value FROM settings WHERE key = ?').pluck();
  const putSetting = db.prepare(
    'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  );
  const clearSetting = db.prepare('DELETE FROM settings WHERE key = ?');
  const insertDelivery =
    db.prepare(`INSERT INTO alert_deliveries (message_id, channel, kind, run_seq, job_key,
    event, status, counted, created_at, updated_at) VALUES (?, ?, ?, (SELECT seq FROM runs WHERE id = ?), ?, ?, ?, ?, ?, ?)`);
  const deliveryById = db.prepare(`${DELIVERY_SELECT} WHERE d.id = ?`);
  const deliveriesOfRun = db.prepare(
    `${DELIVERY_SELECT} WHERE d.run_seq = (SELECT seq FROM runs WHERE id = ?) ORDER BY d.id`,
  );
  const lastProblem = db.prepare(`${DELIVERY_SELECT} WHERE d.job_key = ? AND d.channel = ?
    AND d.status IN ('pending', 'sent') AND d.event NOT IN ('run.succeeded', 'alert.test')
    AND d.updated_at >= ? ORDER BY d.id DESC LIMIT 1`);
  const lastMessageId = db.prepare(`SELECT max(id) FROM alert_deliveries WHERE job_key = ? AND channel = ?
    AND status IN ('pending', 'sent') AND event NOT IN ('run.succeeded', 'alert.test')`);
  const suppressedAfter = db.prepare(`SELECT count(*) FROM alert_deliveries WHERE job_key = ? AND channel = ?
    AND status = 'suppressed' AND id > ?`);

  const toInfo = (row: ChannelRow): AlertChannelInfo => ({
    name: row.name,
    kind: row.kind,
    config: JSON.parse(row.config) as AlertChannelConfig,
    hasSavedSecret: row.secret !== null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
  const toDelivery = (row: DeliveryRow): AlertDelivery => ({
    id: row.id,
    messageId: row.message_id,
    channel: row.channel,
    kind: row.kind,
    runId: row.run_id,
    jobKey: row.job_key,
    event: row.event,
    status: row.status,
    attempts: row.attempts,
    errorCode: row.error_code,
    lastError: row.last_error,
    answer: row.answer,
    counted: row.counted,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });

  return {
    listChannels: () => (all.all() as ChannelRow[]).map(toInfo),
    getChannel(name) {
      const row = byName.get(name) as ChannelRow | undefined;
      return row ? toInfo(row) : undefined;
    },
    saveChannel(input, opts = {}) {
      if (!ALERT_CHANNEL_NAME_RE.test(input.name)) {
        throw new LoadstoneError(
          'BAD_USAGE',
          `alert channel name '${input.name}' must be 1-64 letters, digits, '_', '.' or '-'`,
        );
      }
      if (!ALERT_CHANNEL_KINDS.includes(input.kind)) {
        throw new LoadstoneError('BAD_USAGE', `unknown alert channel kind '${String(input.kind)}'`);
      }
      const secrets = Object.fromEntries(
        Object.entries(input.secrets ?? {}).filter(([, v]) => typeof v === 'string' && v !== ''),
      ) as AlertChannelSecrets;
      checkConfig(input.kind, input.config, secrets);
      let blob: Buffer | null = null;
      if (Object.keys(secrets).length > 0) {
        if (!ctx.secretStore.isAvailable()) {
          throw new LoadstoneError(
            'SECRET_UNAVAILABLE',
            'no OS encryption is available to save the channel secret: name an environment variable instead',
          );
        }
        blob = ctx.secretStore.encrypt(JSON.stringify(secrets));
      }
      const at = ctx.now().toISOString();
      db.transaction(() => {
        const existing = byName.get(input.name) as ChannelRow | undefined;
        if (existing && !opts.replace) {
          throw new LoadstoneError(
            'BAD_USAGE',
            `an alert channel named '${input.name}' exists (remove it first, or replace it)`,
          );
        }
        if (existing) del.run(input.name);
        insert.run(
          input.name,
          input.kind,
          JSON.stringify(input.config),
          blob,
          existing?.created_at ?? at,
          at,
        );
      })();
      return toInfo(byName.get(input.name) as ChannelRow);
    },
    removeChannel: (name) => del.run(name).changes > 0,
    savedSecrets(name) {
      const row = byName.get(name) as ChannelRow | undefined;
      if (!row?.secret) return {};
      try {
        return JSON.parse(ctx.secretStore.decrypt(row.secret)) as AlertChannelSecrets;
      } catch (error) {
        throw new LoadstoneError(
          'SECRET_UNAVAILABLE',
          `the saved secret of alert channel '${name}' cannot be read here (saved by another user or machine)`,
          { cause: error },
        );
      }
    },
    defaultRules() {
      const value = getSetting.get(SETTINGS_KEY) as string | undefined;
      if (value === undefined) return null;
      const parsed = alertRulesSchema.safeParse(JSON.parse(value));
      return parsed.success ? parsed.data : null;
    },
    setDefaultRules(rules) {
      if (rules === null) {
        clearSetting.run(SETTINGS_KEY);
        return null;
      }
      const parsed = alertRulesSchema.safeParse(rules);
      if (!parsed.success) {
        const issues = toValidationIssues(parsed.error);
        throw new LoadstoneError(
          'BAD_USAGE',
          `invalid default alert rule: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
          { details: { issues } },
        );
      }
      putSetting.run(SETTINGS_KEY, JSON.stringify(parsed.data));
      return parsed.data;
    },
    addDelivery(input) {
      const at = ctx.now().toISOString();
      const info = insertDelivery.run(
        randomUUID(),
        input.channel,
        input.kind,
        input.runId,
        input.jobKey,
        input.event,
        input.status,
        input.counted ?? 1,
        at,
        at,
      );
      return toDelivery(deliveryById.get(info.lastInsertRowid) as DeliveryRow);
    },
    updateDelivery(id, patch) {
      const sets: string[] = [];
      const values: unknown[] = [];
      const column = {
        status: 'status',
        attempts: 'attempts',
        errorCode: 'error_code',
        lastError: 'last_error',
        answer: 'answer',
        counted: 'counted',
      } as const;
      for (const [key, col] of Object.entries(column)) {
        const v = patch[key as keyof typeof patch];
        if (v !== undefined) {
          sets.push(`${col} = ?`);
          values.push(v);
        }
      }
      sets.push('updated_at = ?');
      values.push(ctx.now().toISOString());
      db.prepare(`UPDATE alert_deliveries SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
    },
    deliveriesOfRun: (runId) => (deliveriesOfRun.all(runId) as DeliveryRow[]).map(toDelivery),
    delivery(id) {
      const row = deliveryById.get(id) as DeliveryRow | undefined;
      return row ? toDelivery(row) : undefined;
    },
    lastProblemMessage(jobKey, channel, sinceIso) {
      const row = lastProblem.get(jobKey, channel, sinceIso) as DeliveryRow | undefined;
      return row ? toDelivery(row) : undefined;
    },
    suppressedSinceLast(jobKey, channel) {
      const last = (lastMessageId.pluck().get(jobKey, channel) as number | null) ?? 0;
      return suppressedAfter.pluck().get(jobKey, channel, last) as number;
    },
  };
}

/** Checks a channel's settings fit its kind. @throws LoadstoneError BAD_USAGE naming the field. */
function checkConfig(kind: AlertChannelKind, config: AlertChannelConfig, secrets: AlertChannelSecrets): void {
  const bad = (message: string): never => {
    throw new LoadstoneError('BAD_USAGE', `${kind} alert channel: ${message}`);
  };
  for (const key of ['secretEnv', 'webhookUrlEnv', 'tokenEnv', 'smtpUrlEnv'] as const) {
    const v = config[key];
    if (v !== undefined && !ENV_RE.test(v)) bad(`'${v}' is not an environment variable name`);
  }
  const httpUrl = (value: string | undefined, what: string) => {
    if (value === undefined) return;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return bad(`${what} is not a URL`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') bad(`${what} must be http(s)://`);
    if (url.username || url.password) bad(`${what} must not carry a user or password`);
  };
  switch (kind) {
    case 'desktop':
      return;
    case 'webhook':
      if (!config.url) bad('a URL is required');
      httpUrl(config.url, 'the URL');
      if (!config.secretEnv && !secrets.secret) bad('a signing secret is required (whsec_…)');
      if (secrets.secret !== undefined && !isWebhookSecret(secrets.secret))
        bad("the signing secret must be 'whsec_' followed by base64");
      return;
    case 'slack':
      if (!config.webhookUrlEnv && !secrets.webhookUrl) bad('an incoming webhook URL is required');
      httpUrl(secrets.webhookUrl, 'the webhook URL');
      return;
    case 'telegram':
      if (!config.tokenEnv && !secrets.token) bad('a bot token is required');
      if (!config.chatId || !/^-?\d+$|^@[A-Za-z0-9_]{5,}$/.test(config.chatId))
        bad('a chat id is required (a number, or @channelname)');
      httpUrl(config.apiBase, 'the API base');
      return;
    case 'email': {
      const address = /^[^\s@,<>]+@[^\s@,<>]+$/;
      const to = (config.to ?? '').split(',').map((a) => a.trim());
      if (!config.to || to.some((a) => !address.test(a)))
        bad('recipients are required (--to a@example.com[,b@…])');
      if (config.from !== undefined && !address.test(config.from))
        bad(`'${config.from}' is not an e-mail address`);
      if (!config.smtpUrlEnv && !secrets.smtpUrl) bad('an SMTP URL is required (smtp:// or smtps://)');
      if (secrets.smtpUrl !== undefined && !/^smtps?:\/\//i.test(secrets.smtpUrl))
        bad('the SMTP URL must be smtp:// or smtps://');
    }
  }
}

/** `whsec_` + base64 of at least 16 bytes (Standard Webhooks). */
export function isWebhookSecret(secret: string): boolean {
  const m = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret);
  return m !== null && Buffer.from(m[1]!, 'base64').length >= 16;
}
