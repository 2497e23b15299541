import { type ChannelSender, DeliveryFailure } from './http.ts';
import { headline, plainText } from './message.ts';

/** The sender when a channel names none. */
export const DEFAULT_FROM = 'Loadstone <loadstone@localhost>';

interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
}

/**
 * E-mail through an SMTP server (nodemailer): the message as plain text, its headline as the
 * subject. A 4xx reply (greylisting, a full queue) and connection errors are retried; a 5xx reply
 * or refused credentials are final.
 */
export const sendEmail: ChannelSender = async (ctx) => {
  const url = ctx.secrets.smtpUrl;
  if (!url) throw new DeliveryFailure('secret_missing', 'the SMTP URL is missing', { retryable: false });
  const to = ctx.config.to;
  if (!to)
    throw new DeliveryFailure('channel_missing', 'the channel has no recipients', { retryable: false });
  // Loaded on first use: nodemailer takes ~90 ms to load, which every other command would pay.
  const { createTransport } = await import('nodemailer');
  const transport = createTransport(url);
  const stop = () => transport.close();
  ctx.signal.addEventListener('abort', stop, { once: true });
  try {
    const info = await transport.sendMail({
      from: ctx.config.from ?? DEFAULT_FROM,
      to,
      subject: headline(ctx.message),
      text: plainText(ctx.message),
      headers: { 'X-Loadstone-Event': ctx.message.type, 'X-Loadstone-Message-Id': ctx.messageId },
    });
    return `SMTP ${info.response}`;
  } catch (error) {
    if (ctx.signal.aborted) {
      const reason = ctx.signal.reason as unknown;
      if (reason instanceof DeliveryFailure) throw reason;
      throw new DeliveryFailure('timeout', 'no answer in time (timed out)', { retryable: true });
    }
    const e = error as SmtpError;
    const said = (e.response ?? e.message).replace(/\s+/g, ' ').slice(0, 300);
    if (typeof e.responseCode === 'number') {
      const transient = e.responseCode >= 400 && e.responseCode < 500;
      throw new DeliveryFailure(transient ? 'smtp_4xx' : 'smtp_5xx', `SMTP ${said}`, {
        retryable: transient,
      });
    }
    if (e.code === 'EAUTH' || e.code === 'EENVELOPE') {
      throw new DeliveryFailure('smtp_5xx', `SMTP ${said}`, { retryable: false });
    }
    throw new DeliveryFailure('network', `cannot reach the SMTP server: ${e.code ?? ''} ${said}`.trim(), {
      retryable: true,
    });
  } finally {
    ctx.signal.removeEventListener('abort', stop);
    transport.close();
  }
};
