import { describe, expect, it } from 'vitest';
import { LoadstoneError } from '../../../common/errors.ts';
import { httpSourceSpecSchema } from '../../../common/spec/http-source.ts';
import type { Authenticator } from './auth.ts';
import { Fetcher, type SourceEvent, waitFromHeaders } from './fetcher.ts';
import type { Secrets } from './secrets.ts';

const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);

function fetcher(retry: Record<string, number>, signal: AbortSignal, events: SourceEvent[]): Fetcher {
  const spec = httpSourceSpecSchema.parse({ kind: 'http', url: 'http://127.0.0.1:1/x', retry });
  const secrets = { scrub: (s: string) => s } as unknown as Secrets;
  return new Fetcher(spec, {} as Authenticator, secrets, (e) => events.push(e), signal);
}

describe('Fetcher.backoff', () => {
  it('never waits more than 60 s, however many attempts (maxAttempts 20, baseDelayMs 500)', async () => {
    const waits: number[] = [];
    for (let attempt = 1; attempt < 20; attempt++) {
      const events: SourceEvent[] = [];
      const ac = new AbortController();
      // The event is sent before the wait starts; the abort then ends the wait.
      const waiting = fetcher({ maxAttempts: 20, baseDelayMs: 500 }, ac.signal, events).backoff(
        attempt,
        'u',
        'HTTP 500',
        () => new LoadstoneError('SOURCE_UNREACHABLE', 'x'),
      );
      expect(events).toHaveLength(1);
      ac.abort();
      await waiting.catch(() => undefined);
      waits.push(Number(events[0]!.data?.waitMs));
    }
    for (const [i, wait] of waits.entries()) {
      const exp = 500 * 2 ** i;
      // Exponential with jitter (half to 1.5× the doubled delay) until the cap, 20–60 s at it.
      expect(wait).toBeGreaterThanOrEqual(Math.min(exp / 2, 20_000));
      expect(wait).toBeLessThanOrEqual(Math.min(exp * 1.5, 60_000));
    }
  });

  it('a cancelled request is not reported as a retry', async () => {
    const events: SourceEvent[] = [];
    const ac = new AbortController();
    ac.abort();
    const error = await fetcher({ maxAttempts: 5, baseDelayMs: 5 }, ac.signal, events)
      .backoff(1, 'u', 'cancelled', () => new LoadstoneError('SOURCE_UNREACHABLE', 'x'))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(LoadstoneError);
    expect((error as LoadstoneError).code).toBe('LOAD_CANCELLED');
    expect(events).toEqual([]);
  });
});

describe('waitFromHeaders', () => {
  const ask = (headers: Record<string, string>) => waitFromHeaders(headers, NOW);

  it('Retry-After: seconds, an HTTP date in each of its three forms, a past date as 0', () => {
    expect(ask({ 'retry-after': '3' }).ms).toBe(3000);
    expect(ask({ 'retry-after': '0' }).ms).toBe(0);
    expect(ask({ 'retry-after': 'Mon, 01 Jun 2026 12:00:07 GMT' }).ms).toBe(7000);
    expect(ask({ 'retry-after': 'Monday, 01-Jun-26 12:00:09 GMT' }).ms).toBe(9000);
    expect(ask({ 'retry-after': 'Mon Jun  1 12:00:11 2026' }).ms).toBe(11_000);
    expect(ask({ 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' }).ms).toBe(0);
    expect(ask({ 'retry-after': '99999999999999' }).ms).toBe(99999999999999 * 1000);
    expect(ask({ 'retry-after': '9'.repeat(400) }).ms).toBe(Number.MAX_VALUE);
  });

  it('a Retry-After that is neither non-negative seconds nor an HTTP date is ignored, and says so', () => {
    for (const bad of ['-1', '-5', 'soon', '1e3', '5 days', 'Mon, 31 Feb 2026 12:00:00 GMT', '2026-06-01']) {
      const asked = ask({ 'retry-after': bad });
      expect(asked.ms, bad).toBeUndefined();
      expect(asked.ignored.join(), bad).toContain(`Retry-After "${bad}" ignored`);
    }
    // The reset headers still count when Retry-After is unusable.
    expect(ask({ 'retry-after': '-1', 'x-ratelimit-reset': '4' }).ms).toBe(4000);
  });

  it('RateLimit-Reset / X-RateLimit-Reset: delta seconds, epoch seconds, epoch milliseconds', () => {
    expect(ask({ 'x-ratelimit-reset': '30' }).ms).toBe(30_000);
    expect(ask({ 'ratelimit-reset': '2' }).ms).toBe(2000);
    expect(ask({ 'x-ratelimit-reset': String(NOW / 1000 + 60) }).ms).toBe(60_000);
    expect(ask({ 'x-ratelimit-reset': String(NOW + 2500) }).ms).toBe(2500);
    expect(ask({ 'x-ratelimit-reset': String(NOW / 1000 - 10) }).ms).toBe(0);
    expect(ask({ 'x-ratelimit-reset': String(NOW - 10) }).ms).toBe(0);
    expect(ask({ 'ratelimit-reset': String(NOW / 1000 + 3 * 86_400) }).ms).toBe(3 * 86_400_000);
  });

  it('a reset value that is no delay and no epoch near now is ignored', () => {
    for (const bad of [
      '-1',
      'soon',
      String(NOW / 1000 - 30 * 86_400), // epoch seconds a month ago
      String(NOW / 1000 + 400 * 86_400), // epoch seconds next year
      String(NOW * 1000), // epoch microseconds
      '4000000000',
    ]) {
      const asked = ask({ 'x-ratelimit-reset': bad });
      expect(asked.ms, bad).toBeUndefined();
      expect(asked.ignored.join(), bad).toContain(`X-RateLimit-Reset "${bad}" ignored`);
    }
    expect(ask({}).ms).toBeUndefined();
  });
});
