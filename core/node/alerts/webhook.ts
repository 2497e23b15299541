import { createHmac } from 'node:crypto';
import { answerOf, type ChannelSender, DeliveryFailure, failureOf, postJson } from './http.ts';

/**
 * The Standard Webhooks signature of one message: `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`,
 * keyed by the base64 part of a `whsec_…` secret.
 */
export function signWebhook(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const mac = createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/**
 * Generic webhook: the message as JSON, POSTed with `webhook-id` (the same across retries),
 * `webhook-timestamp` (this attempt's, in seconds) and `webhook-signature`.
 */
export const sendWebhook: ChannelSender = async (ctx) => {
  const url = ctx.config.url;
  const secret = ctx.secrets.secret;
  if (!url) throw new DeliveryFailure('channel_missing', 'the webhook has no URL', { retryable: false });
  if (!secret)
    throw new DeliveryFailure('secret_missing', 'the webhook has no signing secret', { retryable: false });
  const body = JSON.stringify(ctx.message);
  // The receiver checks this against its own clock: the real time, never a test's or a store's clock.
  const timestamp = Math.floor(Date.now() / 1000);
  const reply = await postJson(ctx, url, body, {
    'webhook-id': ctx.messageId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signWebhook(secret, ctx.messageId, timestamp, body),
  });
  const failure = failureOf(reply, ctx.now());
  if (failure) throw failure;
  return answerOf(reply);
};
