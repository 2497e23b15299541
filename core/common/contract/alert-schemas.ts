import { z } from 'zod';
import { ALERT_CHANNEL_KINDS, ALERT_CHANNEL_NAME_RE, alertRulesSchema } from '../alerts/rules.ts';

/** A saved alert channel as the UI may see it: settings and whether a secret is saved, never a secret. */
export const alertChannelSchema = z.object({
  name: z.string(),
  kind: z.enum(ALERT_CHANNEL_KINDS),
  /** webhook: where the signed JSON goes. */
  url: z.string().nullable(),
  /** telegram: chat id and Bot API base. */
  chatId: z.string().nullable(),
  apiBase: z.string().nullable(),
  includeSample: z.boolean(),
  /** Names of environment variables holding secrets (a channel added by the CLI). */
  secretEnv: z.string().nullable(),
  webhookUrlEnv: z.string().nullable(),
  tokenEnv: z.string().nullable(),
  /** email: recipients, sender, and the variable holding the SMTP URL (CLI). */
  to: z.string().nullable(),
  from: z.string().nullable(),
  smtpUrlEnv: z.string().nullable(),
  /** Whether a secret is saved encrypted (never returned). */
  hasSavedSecret: z.boolean(),
});
export type AlertChannelDto = z.output<typeof alertChannelSchema>;

/** The Settings → Alerts form, as `alerts.save` takes it. Secrets are write-only: omit to keep. */
export const alertChannelInputSchema = z.object({
  /** The channel being edited, when renaming. */
  previousName: z.string().optional(),
  name: z.string().regex(ALERT_CHANNEL_NAME_RE, 'use 1-64 letters, digits, _ . -'),
  kind: z.enum(ALERT_CHANNEL_KINDS),
  url: z.string().optional(),
  chatId: z.string().optional(),
  apiBase: z.string().optional(),
  includeSample: z.boolean().default(false),
  /** webhook signing secret (`whsec_…`). */
  secret: z.string().optional(),
  /** Slack incoming webhook URL. */
  webhookUrl: z.string().optional(),
  /** Telegram bot token. */
  token: z.string().optional(),
  /** email: recipients (comma-separated), sender. */
  to: z.string().optional(),
  from: z.string().optional(),
  /** email: `smtp(s)://user:password@host:port`. */
  smtpUrl: z.string().optional(),
});

/** One message for one channel and what became of it (no secret; errors scrubbed). */
export const alertDeliverySchema = z.object({
  messageId: z.string(),
  channel: z.string(),
  kind: z.enum(ALERT_CHANNEL_KINDS),
  event: z.string(),
  status: z.enum(['pending', 'sent', 'failed', 'abandoned', 'suppressed']),
  attempts: z.number().int(),
  errorCode: z.string().nullable(),
  lastError: z.string().nullable(),
  answer: z.string().nullable(),
  counted: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type AlertDeliveryDto = z.output<typeof alertDeliverySchema>;

/** The alert commands, merged into the contract's `commands`. */
export const alertCommands = {
  'alerts.list': {
    input: z.object({}),
    output: z.object({ channels: z.array(alertChannelSchema), defaults: alertRulesSchema.nullable() }),
  },
  'alerts.save': { input: alertChannelInputSchema, output: alertChannelSchema },
  'alerts.delete': {
    input: z.object({ name: z.string().min(1) }),
    output: z.object({ ok: z.literal(true) }),
  },
  /** Sends a test message and waits for the channel's answer (retries included). */
  'alerts.test': { input: z.object({ name: z.string().min(1) }), output: alertDeliverySchema },
  /** The rule for jobs without their own; null clears it. */
  'alerts.setDefaults': {
    input: z.object({ rules: alertRulesSchema.nullable() }),
    output: alertRulesSchema.nullable(),
  },
  /** The deliveries of a run's alerts. */
  'runs.alerts': { input: z.object({ runId: z.string().min(1) }), output: z.array(alertDeliverySchema) },
} as const;

/** A desktop notification for the host to show (Electron `Notification`, the page's toast). */
export const alertDesktopEventSchema = z.object({
  title: z.string(),
  body: z.string(),
  /** The app route to open (`#/runs/<id>`). */
  link: z.string().nullable(),
  runId: z.string().nullable(),
  event: z.string(),
});
