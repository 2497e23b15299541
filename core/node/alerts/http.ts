import type { AlertChannelConfig } from '../store/alerts.ts';
import type { AlertMessage } from './message.ts';

/** Stable codes of a failed delivery attempt, stored with the delivery. */
export type DeliveryErrorCode =
  | 'http_4xx'
  | 'http_5xx'
  | 'smtp_4xx'
  | 'smtp_5xx'
  | 'rate_limited'
  | 'timeout'
  | 'network'
  | 'secret_missing'
  | 'no_desktop'
  | 'channel_missing'
  | 'abandoned';

/** A failed attempt: whether another may succeed, and how long the channel asked us to wait. */
export class DeliveryFailure extends Error {
  readonly code: DeliveryErrorCode;
  readonly retryable: boolean;
  readonly retryAfterMs: number | null;

  constructor(
    code: DeliveryErrorCode,
    message: string,
    opts: { retryable: boolean; retryAfterMs?: number | null },
  ) {
    super(message);
    this.name = 'DeliveryFailure';
    this.code = code;
    this.retryable = opts.retryable;
    this.retryAfterMs = opts.retryAfterMs ?? null;
  }
}

/** Secrets of a channel as resolved for one send (from the environment or the encrypted store). */
export interface ChannelSecrets {
  secret?: string;
  webhookUrl?: string;
  token?: string;
  smtpUrl?: string;
}

/** A desktop notification, as the host (Electron main, the browser host's page) shows it. */
export interface DesktopNotice {
  title: string;
  body: string;
  /** The app route to open on click (`#/runs/<id>`), when there is a run. */
  link: string | null;
  runId: string | null;
  event: string;
}

/** Everything one attempt of one channel needs. */
export interface SendContext {
  readonly message: AlertMessage;
  /** Standard Webhooks `webhook-id`: the same across the retries of one message. */
  readonly messageId: string;
  readonly config: AlertChannelConfig;
  readonly secrets: ChannelSecrets;
  readonly fetch: typeof fetch;
  /** Aborts the attempt: its timeout, or the process no longer waiting. */
  readonly signal: AbortSignal;
  readonly now: () => Date;
  /** Shows a desktop notification; absent where there is no desktop session (the CLI). */
  readonly desktop?: ((notice: DesktopNotice) => void) | undefined;
}

/** What a channel answered to a delivered message, for the record (`HTTP 200 ok`). */
export type ChannelAnswer = string;

/** A channel: one attempt to deliver one message. Throws DeliveryFailure. */
export type ChannelSender = (ctx: SendContext) => Promise<ChannelAnswer>;

/** An HTTP reply, read whole (bounded). */
export interface HttpReply {
  status: number;
  text: string;
  retryAfterHeader: string | null;
}

const MAX_REPLY_CHARS = 2000;

/** POSTs a JSON body; network errors and timeouts become retryable DeliveryFailures. */
export async function postJson(
  ctx: SendContext,
  url: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<HttpReply> {
  let response: Response;
  try {
    response = await ctx.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Loadstone-Alerts/1', ...headers },
      body,
      signal: ctx.signal,
      redirect: 'error',
    });
    const text = (await response.text()).slice(0, MAX_REPLY_CHARS);
    return { status: response.status, text, retryAfterHeader: response.headers.get('retry-after') };
  } catch (error) {
    if (ctx.signal.aborted) {
      const reason = ctx.signal.reason as unknown;
      if (reason instanceof DeliveryFailure) throw reason;
      throw new DeliveryFailure('timeout', 'no answer in time (timed out)', { retryable: true });
    }
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const detail = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new DeliveryFailure('network', `cannot reach the channel: ${detail}`, { retryable: true });
  }
}

/** Seconds from a `Retry-After` header (seconds or an HTTP date), as milliseconds. */
export function retryAfterMs(header: string | null, now: Date): number | null {
  if (header === null) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - now.getTime());
}

/**
 * The common reading of an HTTP answer: 2xx delivered; 429 rate-limited (retry after what it says);
 * 408 and 5xx retryable; any other 4xx final (a wrong URL or token will not fix itself).
 */
export function failureOf(
  reply: HttpReply,
  now: Date,
  retryAfter: number | null = null,
): DeliveryFailure | null {
  const { status } = reply;
  if (status >= 200 && status < 300) return null;
  const text = reply.text.trim().replace(/\s+/g, ' ').slice(0, 300);
  const said = text ? `: ${text}` : '';
  if (status === 429) {
    const wait = retryAfter ?? retryAfterMs(reply.retryAfterHeader, now);
    return new DeliveryFailure('rate_limited', `HTTP 429 rate limited${said}`, {
      retryable: true,
      retryAfterMs: wait,
    });
  }
  if (status >= 500 || status === 408) {
    return new DeliveryFailure('http_5xx', `HTTP ${status}${said}`, { retryable: true });
  }
  return new DeliveryFailure('http_4xx', `HTTP ${status}${said}`, { retryable: false });
}

/** `HTTP 200 ok` (the reply shortened). */
export function answerOf(reply: HttpReply): ChannelAnswer {
  const text = reply.text.trim().replace(/\s+/g, ' ').slice(0, 200);
  return `HTTP ${reply.status}${text ? ` ${text}` : ''}`;
}
