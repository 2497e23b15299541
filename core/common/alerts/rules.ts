import { z } from 'zod';

/** Kinds of alert channel. */
export const ALERT_CHANNEL_KINDS = ['desktop', 'slack', 'telegram', 'webhook', 'email'] as const;
export type AlertChannelKind = (typeof ALERT_CHANNEL_KINDS)[number];

/**
 * What a rule can be set to alert on: `failure` (a run failed), `threshold` (aborted by the error
 * threshold), `warning` (loaded, but its rejected share is above `warnErrorRate`), `success`
 * (opt-in), `interrupted` (found interrupted at start-up), `schedule` (a scheduled run did not start
 * or overran).
 */
export const ALERT_TRIGGERS = [
  'failure',
  'threshold',
  'warning',
  'success',
  'interrupted',
  'schedule',
] as const;
export type AlertTrigger = (typeof ALERT_TRIGGERS)[number];

/** What a rule alerts on when it does not say: everything but success. */
export const DEFAULT_ALERT_TRIGGERS: readonly AlertTrigger[] = [
  'failure',
  'threshold',
  'warning',
  'interrupted',
  'schedule',
];

/** The warning rate when a rule alerts on `warning` without its own: 0.5 % of the rows read. */
export const DEFAULT_WARN_ERROR_RATE = 0.005;

/** The cooldown of failure alerts of one job on one channel, by default (15 minutes). */
export const DEFAULT_ALERT_COOLDOWN_MS = 15 * 60 * 1000;

/** Channel names: like connection names. */
export const ALERT_CHANNEL_NAME_RE = /^[A-Za-z0-9_.-]{1,64}$/;

/** A job's alert rule (`alerts` in a job spec), or the default rule for every job (Settings). */
export const alertRulesSchema = z
  .object({
    /** Names of saved alert channels. */
    channels: z
      .array(z.string().regex(ALERT_CHANNEL_NAME_RE, 'is not a channel name (letters, digits, _ . -)'))
      .min(1),
    /** When to alert (default: failure, threshold, warning, interrupted, schedule). */
    on: z
      .array(z.enum(ALERT_TRIGGERS))
      .min(1)
      .default([...DEFAULT_ALERT_TRIGGERS]),
    /**
     * `warning` fires when rejected / read is above this (default 0.005); it must be lower than the
     * abort threshold (`settings.maxErrorRate`), or the load aborts first.
     */
    warnErrorRate: z.number().min(0).max(1).optional(),
  })
  .strict();
export type AlertRules = z.infer<typeof alertRulesSchema>;
export type AlertRulesInput = z.input<typeof alertRulesSchema>;

/** The event type of an alert message (Standard Webhooks `type`). */
export const ALERT_EVENTS = [
  'run.failed',
  'run.aborted',
  'run.warning',
  'run.succeeded',
  'run.interrupted',
  'schedule.missed',
  'schedule.overran',
  'schedule.failed_to_start',
  'alert.test',
] as const;
export type AlertEvent = (typeof ALERT_EVENTS)[number];

/** The trigger each event answers to. */
export function triggerOf(event: AlertEvent): AlertTrigger | null {
  switch (event) {
    case 'run.failed':
      return 'failure';
    case 'run.aborted':
      return 'threshold';
    case 'run.warning':
      return 'warning';
    case 'run.succeeded':
      return 'success';
    case 'run.interrupted':
      return 'interrupted';
    case 'schedule.missed':
    case 'schedule.overran':
    case 'schedule.failed_to_start':
      return 'schedule';
    case 'alert.test':
      return null;
  }
}

/** Events that are problems: a burst of them from one job within the cooldown sends one message. */
export function isProblem(event: AlertEvent): boolean {
  return event !== 'run.succeeded' && event !== 'alert.test';
}
