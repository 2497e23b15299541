import { type AlertEvent, type AlertRules, DEFAULT_WARN_ERROR_RATE } from '../../common/alerts/rules.ts';
import { type AlertChannelInfo, isWebhookSecret } from '../store/alerts.ts';
import type { RunStore } from '../store/open-store.ts';
import type { RunRecord } from '../store/types.ts';
import { type ChannelSecrets, DeliveryFailure } from './http.ts';
import { type AlertMessage, openLinks } from './message.ts';

/** A schedule problem (the scheduler reports it; there may be no run). */
export interface ScheduleProblem {
  /** The saved job's name. */
  readonly job: string;
  readonly kind: 'missed' | 'overran' | 'failed_to_start';
  /** What happened, in words (no secret). */
  readonly detail: string;
  /** The run that overran, when there is one. */
  readonly runId?: string;
}

/**
 * The event a recorded run raises under a rule: failed (or aborted by its threshold), interrupted,
 * warning (loaded, rejected share above the warning rate), succeeded. None for dry runs, cancelled
 * or running runs.
 */
export function eventOfRun(run: RunRecord, rules: AlertRules): AlertEvent | null {
  if (run.dryRun) return null;
  switch (run.status) {
    case 'failed':
      return run.errorCode === 'LOAD_ABORTED_ERROR_RATE' ? 'run.aborted' : 'run.failed';
    case 'interrupted':
      return 'run.interrupted';
    case 'succeeded': {
      const rate = run.counts.read > 0 ? run.counts.rejected / run.counts.read : 0;
      const warnAt = rules.warnErrorRate ?? DEFAULT_WARN_ERROR_RATE;
      if (rate > warnAt && rules.on.includes('warning')) return 'run.warning';
      return 'run.succeeded';
    }
    default:
      return null; // cancelled by the operator, or still running
  }
}

const NO_RUN = {
  target: null,
  table: null,
  counts: { read: 0, loaded: 0, rejected: 0 },
  rejectedRate: 0,
  durationMs: null,
  error: null,
  reasons: [],
  suppressed: 0,
} as const;

/** The message of a schedule problem. */
export function scheduleMessage(problem: ScheduleProblem, at: string): AlertMessage {
  return {
    ...NO_RUN,
    reasons: [],
    counts: { ...NO_RUN.counts },
    type: `schedule.${problem.kind}`,
    runId: problem.runId ?? null,
    job: problem.job,
    status: problem.kind,
    open: openLinks(problem.runId ?? null),
    schedule: { kind: problem.kind, detail: problem.detail },
    at,
  };
}

/** The message `alerts test` sends. */
export function testMessage(at: string): AlertMessage {
  return {
    ...NO_RUN,
    reasons: [],
    counts: { ...NO_RUN.counts },
    type: 'alert.test',
    runId: null,
    job: '(test)',
    status: 'test',
    open: { app: null, cli: null },
    at,
  };
}

/** The message as one channel gets it: example values only when the channel includes a sample. */
export function forChannel(message: AlertMessage, channel: AlertChannelInfo): AlertMessage {
  if (channel.config.includeSample) return message;
  return { ...message, reasons: message.reasons.map(({ example: _example, ...r }) => r) };
}

/**
 * A channel's secrets for one send: those saved encrypted, over which the environment variables it
 * names are read now. @throws DeliveryFailure secret_missing naming an unset variable.
 */
export function secretsOf(
  channel: AlertChannelInfo,
  store: RunStore,
  env: NodeJS.ProcessEnv,
): ChannelSecrets {
  const secrets: ChannelSecrets = channel.hasSavedSecret
    ? { ...store.alerts.savedSecrets(channel.name) }
    : {};
  const fromEnv = (name: string | undefined, what: string): string | undefined => {
    if (name === undefined) return undefined;
    const value = env[name];
    if (value === undefined || value === '') {
      throw new DeliveryFailure('secret_missing', `environment variable ${name} (the ${what}) is not set`, {
        retryable: false,
      });
    }
    return value;
  };
  const c = channel.config;
  const secret = fromEnv(c.secretEnv, 'webhook signing secret');
  const webhookUrl = fromEnv(c.webhookUrlEnv, 'Slack webhook URL');
  const token = fromEnv(c.tokenEnv, 'Telegram bot token');
  const smtpUrl = fromEnv(c.smtpUrlEnv, 'SMTP URL');
  // A key that is not whsec_ + base64 still "signs": the receiver would refuse every message, or
  // one that checks nothing would take them as sent. Refuse it before anything leaves.
  if (secret !== undefined && !isWebhookSecret(secret)) {
    throw new DeliveryFailure(
      'secret_missing',
      `environment variable ${c.secretEnv} does not hold a webhook signing secret: it must be 'whsec_' followed by the base64 of at least 16 bytes`,
      { retryable: false },
    );
  }
  if (secret !== undefined) secrets.secret = secret;
  if (webhookUrl !== undefined) secrets.webhookUrl = webhookUrl;
  if (token !== undefined) secrets.token = token;
  if (smtpUrl !== undefined) secrets.smtpUrl = smtpUrl;
  return secrets;
}
