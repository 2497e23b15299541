import { type AlertRules, isProblem, triggerOf } from '../../common/alerts/rules.ts';
import { LoadstoneError } from '../../common/errors.ts';
import { scrubSecrets } from '../handlers/scrub.ts';
import type { AlertChannelInfo, AlertDelivery } from '../store/alerts.ts';
import type { RunStore } from '../store/open-store.ts';
import type { RunRecord } from '../store/types.ts';
import { DEFAULT_DELIVERY_POLICY, type DeliveryPolicy, deliver } from './deliver.ts';
import { sendDesktop } from './desktop.ts';
import { sendEmail } from './email.ts';
import {
  eventOfRun,
  forChannel,
  type ScheduleProblem,
  scheduleMessage,
  secretsOf,
  testMessage,
} from './events.ts';
import { type ChannelSecrets, type ChannelSender, DeliveryFailure, type DesktopNotice } from './http.ts';
import { type AlertMessage, type AlertReason, jobOf, runMessage, TOP_REASONS } from './message.ts';
import { sendSlack } from './slack.ts';
import { sendTelegram } from './telegram.ts';
import { sendWebhook } from './webhook.ts';

export type { ScheduleProblem } from './events.ts';

/** How far back `alertUnreportedInterruptions` looks by default (24 h). */
export const UNREPORTED_INTERRUPTIONS_MS = 24 * 60 * 60 * 1000;

const SENDERS: Record<AlertChannelInfo['kind'], ChannelSender> = {
  desktop: sendDesktop,
  slack: sendSlack,
  telegram: sendTelegram,
  webhook: sendWebhook,
  email: sendEmail,
};

/** What an outbox needs. */
export interface AlertOutboxOptions {
  readonly store: RunStore;
  /** Where `*Env` secrets are read (process.env). */
  readonly env: NodeJS.ProcessEnv;
  /** Shows a desktop notification (Electron main, the browser host); absent in the CLI. */
  readonly desktop?: (notice: DesktopNotice) => void;
  /** One line per delivery that failed for good (already scrubbed). */
  readonly log?: (line: string) => void;
  /** Called when a delivery has ended (sent, failed), e.g. to refresh the run's view. */
  readonly onDelivered?: (delivery: AlertDelivery) => void;
  readonly policy?: Partial<DeliveryPolicy>;
  readonly fetch?: typeof fetch;
  readonly now?: () => Date;
}

/**
 * Alerts as consumers of recorded runs. Each `alert*` call decides, from the job's rule (or the
 * default rule in Settings), which channels get a message; records one delivery per channel at
 * once (`pending`, or `suppressed` inside a cooldown); and delivers in the background. It never
 * throws for a channel's failure and never waits for one: `drain` waits, bounded.
 */
export interface AlertOutbox {
  /** A run has ended and is recorded (the load's outcome is already returned or printed). */
  alertRunEnded(runId: string): AlertDelivery[];
  /** A run was found interrupted at start-up (see `store.interruptedAtOpen`). */
  alertInterrupted(runId: string): AlertDelivery[];
  /**
   * Alerts runs marked interrupted in the last `withinMs` (default 24 h) that no alert was recorded
   * for, whoever marked them: any command opening the store (`loadstone runs`, `jobs list`) marks a
   * dead process's run interrupted, and only a process with an outbox (a load, the scheduler, the
   * app's engine) alerts what it marked itself. A long-running process calls this when it starts.
   */
  alertUnreportedInterruptions(withinMs?: number): AlertDelivery[];
  alertScheduleProblem(problem: ScheduleProblem): AlertDelivery[];
  /**
   * Sends a test message on one channel and waits for its end (retries included).
   * @throws LoadstoneError NOT_FOUND (no such channel).
   */
  test(channel: string): Promise<AlertDelivery>;
  /**
   * Waits for deliveries in flight, at most `maxMs`; those still going are stopped and recorded
   * `abandoned`. @returns how many were abandoned.
   */
  drain(maxMs: number, signal?: AbortSignal): Promise<{ abandoned: number }>;
}

/** Creates the outbox of one process (the CLI command, the engine). */
export function createAlertOutbox(options: AlertOutboxOptions): AlertOutbox {
  const { store } = options;
  const policy: DeliveryPolicy = { ...DEFAULT_DELIVERY_POLICY, ...options.policy };
  // The store's clock: cooldowns compare with the times deliveries were recorded at.
  const now = options.now ?? store.context.now;
  const doFetch = options.fetch ?? globalThis.fetch;
  const controller = new AbortController();
  const inFlight = new Map<number, Promise<void>>();
  let stopped = false;

  const rulesOfRun = (run: RunRecord): AlertRules | null =>
    (run.spec as { alerts?: AlertRules }).alerts ?? store.alerts.defaultRules();

  const reasonsOf = (runId: string): AlertReason[] =>
    store.reports
      .summary(runId)
      .slice(0, TOP_REASONS)
      .map((r) => ({ reason: r.reason, column: r.column, count: r.count, example: r.example }));

  /** Records and starts one delivery per channel of the rule that answers to this event. */
  const dispatch = (rules: AlertRules | null, message: AlertMessage, jobKey: string): AlertDelivery[] => {
    if (!rules) return [];
    const trigger = triggerOf(message.type);
    if (trigger !== null && !rules.on.includes(trigger)) return [];
    const out: AlertDelivery[] = [];
    for (const name of rules.channels) {
      const channel = store.alerts.getChannel(name);
      if (!channel) {
        const d = store.alerts.addDelivery({
          channel: name,
          kind: 'webhook',
          runId: message.runId,
          jobKey,
          event: message.type,
          status: 'pending',
        });
        store.alerts.updateDelivery(d.id, {
          status: 'failed',
          errorCode: 'channel_missing',
          lastError: `no alert channel named '${name}' (see 'loadstone alerts list')`,
        });
        options.log?.(`alert channel '${name}' does not exist: nothing sent for run ${message.runId ?? '-'}`);
        out.push(store.alerts.delivery(d.id)!);
        continue;
      }
      if (isProblem(message.type)) {
        const since = new Date(now().getTime() - policy.cooldownMs).toISOString();
        const last = store.alerts.lastProblemMessage(jobKey, channel.name, since);
        // A warning's cooldown holds back warnings only: a failure after it is worse news, sent at once.
        if (last && !(last.event === 'run.warning' && message.type !== 'run.warning')) {
          const held = store.alerts.addDelivery({
            channel: channel.name,
            kind: channel.kind,
            runId: message.runId,
            jobKey,
            event: message.type,
            status: 'suppressed',
          });
          out.push(held);
          holdUntilCooldownEnds(last, held, channel, message);
          continue;
        }
      }
      const suppressed = isProblem(message.type) ? store.alerts.suppressedSinceLast(jobKey, channel.name) : 0;
      if (suppressed > 0) forget(jobKey, channel.name);
      const d = store.alerts.addDelivery({
        channel: channel.name,
        kind: channel.kind,
        runId: message.runId,
        jobKey,
        event: message.type,
        status: 'pending',
        counted: 1 + suppressed,
      });
      out.push(d);
      start(d, channel, { ...forChannel(message, channel), suppressed });
    }
    return out;
  };

  /**
   * The latest problem held back by a cooldown, per job and channel: when the cooldown ends it is
   * sent, counting every problem held since the last message (a process that ends before then leaves
   * them `suppressed`: the next message about the job counts them).
   */
  const held = new Map<
    string,
    { delivery: AlertDelivery; channel: AlertChannelInfo; message: AlertMessage }
  >();
  const timers = new Map<string, NodeJS.Timeout>();

  const holdUntilCooldownEnds = (
    last: AlertDelivery,
    delivery: AlertDelivery,
    channel: AlertChannelInfo,
    message: AlertMessage,
  ) => {
    const key = `${delivery.jobKey}\u0000${channel.name.toLowerCase()}`;
    held.set(key, { delivery, channel, message });
    if (timers.has(key)) return;
    const wait = Math.max(0, Date.parse(last.updatedAt) + policy.cooldownMs - now().getTime());
    const timer = setTimeout(() => sendHeld(key), wait);
    timer.unref();
    timers.set(key, timer);
  };

  /** This message counts what was held: nothing is left to send when the cooldown ends. */
  const forget = (jobKey: string, channelName: string) => {
    const key = `${jobKey}\u0000${channelName.toLowerCase()}`;
    clearTimeout(timers.get(key));
    timers.delete(key);
    held.delete(key);
  };

  const sendHeld = (key: string) => {
    timers.delete(key);
    const h = held.get(key);
    held.delete(key);
    if (!h || stopped) return;
    try {
      const current = store.alerts.delivery(h.delivery.id);
      if (current?.status !== 'suppressed') return;
      // A message sent since (another problem after the cooldown) already counted it.
      const latest = store.alerts.lastProblemMessage(h.delivery.jobKey, h.channel.name, '');
      if (latest && latest.id > h.delivery.id) return;
      // Held problems up to and including this one, since the last message.
      const counted = store.alerts.suppressedSinceLast(h.delivery.jobKey, h.channel.name);
      store.alerts.updateDelivery(h.delivery.id, { status: 'pending', counted });
      const d = store.alerts.delivery(h.delivery.id)!;
      start(d, h.channel, { ...forChannel(h.message, h.channel), suppressed: counted - 1 });
    } catch (error) {
      options.log?.(`held alert not sent: ${scrubSecrets((error as Error).message)}`);
    }
  };

  const start = (d: AlertDelivery, channel: AlertChannelInfo, message: AlertMessage): Promise<void> => {
    const task = run(d, channel, message)
      .catch((error: unknown) => {
        options.log?.(`alert delivery ${d.id} stopped: ${scrubSecrets((error as Error).message)}`);
      })
      .finally(() => inFlight.delete(d.id));
    inFlight.set(d.id, task);
    return task;
  };

  const run = async (d: AlertDelivery, channel: AlertChannelInfo, message: AlertMessage): Promise<void> => {
    let secrets: ChannelSecrets;
    try {
      secrets = secretsOf(channel, store, options.env);
    } catch (error) {
      const failure = error instanceof DeliveryFailure ? error : null;
      const text = failure?.message ?? (error as Error).message;
      write(d.id, {
        status: 'failed',
        errorCode: failure?.code ?? 'secret_missing',
        lastError: scrubSecrets(text),
      });
      options.log?.(`alert '${channel.name}' not sent: ${scrubSecrets(text)}`);
      return;
    }
    const result = await deliver(
      SENDERS[channel.kind],
      {
        message,
        messageId: d.messageId,
        config: channel.config,
        secrets,
        fetch: doFetch,
        now,
        desktop: options.desktop,
      },
      policy,
      {
        attempt: (attempts) => write(d.id, { attempts }),
        failedAttempt: (attempts, code, lastError) => write(d.id, { attempts, errorCode: code, lastError }),
      },
      controller.signal,
    );
    if (stopped) return;
    try {
      if (result.ok) {
        write(d.id, { status: 'sent', attempts: result.attempts, answer: result.answer });
      } else {
        write(d.id, {
          status: 'failed',
          attempts: result.attempts,
          errorCode: result.code,
          lastError: result.message,
        });
        options.log?.(
          `alert '${channel.name}' failed after ${result.attempts} attempt${result.attempts === 1 ? '' : 's'}: ${result.message}`,
        );
      }
    } finally {
      notifyDelivered(d.id);
    }
  };

  const notifyDelivered = (id: number) => {
    if (stopped || !options.onDelivered) return;
    try {
      const ended = store.alerts.delivery(id);
      if (ended) options.onDelivered(ended);
    } catch (error) {
      // The store was closed under the delivery (its process is ending).
      options.log?.(`alert delivery ${id} ended unrecorded: ${scrubSecrets((error as Error).message)}`);
    }
  };

  /** Writes unless the outbox stopped waiting (the store may be closed by then). */
  const write = (id: number, patch: Parameters<RunStore['alerts']['updateDelivery']>[1]) => {
    if (stopped) return;
    try {
      store.alerts.updateDelivery(id, patch);
    } catch (error) {
      // The store was closed under a delivery still going (its process is ending): nothing to keep.
      options.log?.(`alert delivery ${id} not recorded: ${scrubSecrets((error as Error).message)}`);
    }
  };

  const runEnded = (runId: string): AlertDelivery[] => {
    const run = store.runs.get(runId);
    if (!run) throw new LoadstoneError('NOT_FOUND', `no run '${runId}'`);
    const rules = rulesOfRun(run);
    if (!rules) return [];
    const event = eventOfRun(run, rules);
    if (event === null) return [];
    return dispatch(rules, runMessage(event, run, reasonsOf(runId), now().toISOString()), jobOf(run));
  };

  const unreportedInterruptions = (withinMs = UNREPORTED_INTERRUPTIONS_MS): AlertDelivery[] => {
    const since = now().getTime() - withinMs;
    const out: AlertDelivery[] = [];
    for (const run of store.runs.list({ status: 'interrupted', limit: 200 })) {
      const marked = store.runs.events(run.id).find((e) => e.kind === 'interrupted');
      if (!marked || Date.parse(marked.at) < since) continue;
      if (store.alerts.deliveriesOfRun(run.id).some((d) => d.event === 'run.interrupted')) continue;
      out.push(...runEnded(run.id));
    }
    return out;
  };

  return {
    alertRunEnded: runEnded,
    alertInterrupted: runEnded,
    alertUnreportedInterruptions: unreportedInterruptions,
    alertScheduleProblem(problem) {
      let rules: AlertRules | null = null;
      try {
        rules = (store.jobs.get(problem.job)?.spec as { alerts?: AlertRules } | undefined)?.alerts ?? null;
      } catch {
        // A saved spec that no longer validates: the default rule still applies.
      }
      rules ??= store.alerts.defaultRules();
      const message = scheduleMessage(problem, now().toISOString());
      return dispatch(rules, message, problem.job);
    },
    async test(name) {
      const channel = store.alerts.getChannel(name);
      if (!channel) {
        throw new LoadstoneError(
          'NOT_FOUND',
          `no alert channel named '${name}' (see 'loadstone alerts list')`,
        );
      }
      const message = testMessage(now().toISOString());
      const d = store.alerts.addDelivery({
        channel: channel.name,
        kind: channel.kind,
        runId: null,
        jobKey: '(test)',
        event: 'alert.test',
        status: 'pending',
      });
      await start(d, channel, message);
      return store.alerts.delivery(d.id)!;
    },
    async drain(maxMs, signal) {
      if (inFlight.size === 0) return { abandoned: 0 };
      let timer: NodeJS.Timeout | undefined;
      let onAbort: (() => void) | undefined;
      const timedOut = await Promise.race([
        Promise.allSettled([...inFlight.values()]).then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), maxMs);
          // Interrupted (Ctrl-C during the CLI's wait): stop waiting at once.
          onAbort = () => resolve(true);
          if (signal?.aborted) onAbort();
          else signal?.addEventListener('abort', onAbort, { once: true });
        }),
      ]);
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
      if (!timedOut) return { abandoned: 0 };
      const left = [...inFlight.keys()];
      const seconds = Math.round(maxMs / 100) / 10;
      const why = signal?.aborted
        ? 'not delivered when the command was interrupted: stopped'
        : `still not delivered after waiting ${seconds} s: stopped`;
      for (const id of left) {
        const d = store.alerts.delivery(id);
        store.alerts.updateDelivery(id, {
          status: 'abandoned',
          errorCode: 'abandoned',
          lastError: `${why}${d?.lastError ? ` (last error: ${d.lastError})` : ''}`,
        });
      }
      stopped = true;
      controller.abort(new DeliveryFailure('abandoned', 'stopped waiting', { retryable: false }));
      await Promise.allSettled([...inFlight.values()]);
      return { abandoned: left.length };
    },
  };
}
