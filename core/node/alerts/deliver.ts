import { setTimeout as sleep } from 'node:timers/promises';
import pRetry, { AbortError } from 'p-retry';
import { scrubSecrets } from '../handlers/scrub.ts';
import { type ChannelSender, DeliveryFailure, type SendContext } from './http.ts';

/** How hard a delivery tries. */
export interface DeliveryPolicy {
  /** One attempt's time limit (default 10 s). */
  timeoutMs: number;
  /** Retries after the first attempt, on network errors, timeouts, 408, 429 and 5xx (default 4). */
  retries: number;
  /** First backoff, doubled at each retry (default 1 s) up to `maxBackoffMs` (default 30 s). */
  minBackoffMs: number;
  maxBackoffMs: number;
  /** The longest `retry_after` / `Retry-After` honoured (default 60 s); longer gives up. */
  maxRetryAfterMs: number;
  /** Problems of one job on one channel within this time send one message (default 15 min). */
  cooldownMs: number;
}

export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = {
  timeoutMs: 10_000,
  retries: 4,
  minBackoffMs: 1000,
  maxBackoffMs: 30_000,
  maxRetryAfterMs: 60_000,
  cooldownMs: 15 * 60 * 1000,
};

/** What a delivery records as it goes: each attempt, then its end. */
export interface DeliveryRecorder {
  attempt(attempts: number): void;
  failedAttempt(attempts: number, code: string, message: string): void;
}

/** The end of one delivery. */
export type DeliveryResult =
  | { ok: true; attempts: number; answer: string }
  | { ok: false; attempts: number; code: string; message: string };

/**
 * Delivers one message on one channel: each attempt with its own timeout, retried with exponential
 * backoff (p-retry) on retryable failures, waiting what a 429 asked first. Every attempt is
 * recorded; every error message is scrubbed of the channel's secrets before it is kept or shown.
 */
export async function deliver(
  send: ChannelSender,
  base: Omit<SendContext, 'signal'>,
  policy: DeliveryPolicy,
  recorder: DeliveryRecorder,
  signal: AbortSignal,
): Promise<DeliveryResult> {
  const known = Object.values(base.secrets).filter((s): s is string => typeof s === 'string');
  const clean = (text: string) => scrubSecrets(text, known);
  let attempts = 0;
  try {
    const answer = await pRetry(
      async () => {
        attempts += 1;
        recorder.attempt(attempts);
        const timeout = AbortSignal.timeout(policy.timeoutMs);
        const attemptSignal = AbortSignal.any([signal, timeout]);
        try {
          return await send({ ...base, signal: attemptSignal });
        } catch (error) {
          const failure =
            error instanceof DeliveryFailure
              ? error
              : new DeliveryFailure('network', (error as Error).message ?? String(error), {
                  retryable: true,
                });
          recorder.failedAttempt(attempts, failure.code, clean(failure.message));
          if (signal.aborted) throw new AbortError(failure);
          if (!failure.retryable) throw new AbortError(failure);
          if (failure.retryAfterMs !== null && failure.retryAfterMs > policy.maxRetryAfterMs) {
            throw new AbortError(
              new DeliveryFailure(
                failure.code,
                `${failure.message} (asked to wait ${Math.round(failure.retryAfterMs / 1000)} s, more than the ${Math.round(policy.maxRetryAfterMs / 1000)} s honoured)`,
                { retryable: false },
              ),
            );
          }
          throw failure;
        }
      },
      {
        retries: policy.retries,
        factor: 2,
        minTimeout: policy.minBackoffMs,
        maxTimeout: policy.maxBackoffMs,
        signal,
        onFailedAttempt: async ({ error }) => {
          // A rate limit's own wait comes first; the backoff is added after it.
          if (error instanceof DeliveryFailure && error.retryAfterMs !== null && error.retryAfterMs > 0) {
            await sleep(error.retryAfterMs, undefined, { signal });
          }
        },
      },
    );
    return { ok: true, attempts, answer: clean(answer) };
  } catch (error) {
    const failure = unwrap(error, signal);
    return { ok: false, attempts, code: failure.code, message: clean(failure.message) };
  }
}

function unwrap(error: unknown, signal: AbortSignal): DeliveryFailure {
  if (signal.aborted && signal.reason instanceof DeliveryFailure) return signal.reason;
  let e = error;
  if (e instanceof AbortError) e = e.originalError;
  if (e instanceof DeliveryFailure) return e;
  return new DeliveryFailure('network', e instanceof Error ? e.message : String(e), { retryable: false });
}
