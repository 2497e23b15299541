import { describe, expect, it } from 'vitest';
import { failureOf, retryAfterMs } from './http.ts';

const now = new Date('2026-12-05T08:00:00Z');

describe('failureOf', () => {
  it('reads 2xx as delivered, 429 and 5xx as retryable, other 4xx as final', () => {
    expect(failureOf({ status: 204, text: '', retryAfterHeader: null }, now)).toBeNull();
    expect(failureOf({ status: 429, text: 'slow down', retryAfterHeader: '3' }, now)).toMatchObject({
      code: 'rate_limited',
      retryable: true,
      retryAfterMs: 3000,
      message: 'HTTP 429 rate limited: slow down',
    });
    expect(failureOf({ status: 503, text: '', retryAfterHeader: null }, now)).toMatchObject({
      code: 'http_5xx',
      retryable: true,
      message: 'HTTP 503',
    });
    expect(failureOf({ status: 408, text: '', retryAfterHeader: null }, now)?.retryable).toBe(true);
    expect(failureOf({ status: 404, text: 'no_service', retryAfterHeader: null }, now)).toMatchObject({
      code: 'http_4xx',
      retryable: false,
      message: 'HTTP 404: no_service',
    });
  });
});

describe('retryAfterMs', () => {
  it('takes seconds or an HTTP date', () => {
    expect(retryAfterMs('2', now)).toBe(2000);
    expect(retryAfterMs('Sat, 05 Dec 2026 08:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('soon', now)).toBeNull();
    expect(retryAfterMs(null, now)).toBeNull();
  });
});
