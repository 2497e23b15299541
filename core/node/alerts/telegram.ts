import { type ChannelSender, DeliveryFailure, failureOf, postJson } from './http.ts';
import { type AlertMessage, headline, messageFacts, openLine, reasonLine } from './message.ts';

/** The Bot API's address unless a channel sets its own (`--api-base`, e.g. a local Bot API server). */
export const TELEGRAM_API_BASE = 'https://api.telegram.org';

/** Escaping for `parse_mode: HTML`: `&`, `<`, `>` (the only characters HTML mode reserves). */
export function telegramEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Telegram's limit on a message's text, after entities are parsed. */
const MAX_TEXT = 4096;

/** The message as Telegram HTML: a bold headline, facts, top reasons, how to open the run. */
export function telegramText(m: AlertMessage): string {
  const lines = [`<b>${telegramEscape(headline(m))}</b>`];
  for (const f of messageFacts(m))
    lines.push(`<b>${telegramEscape(f.label)}:</b> ${telegramEscape(f.value)}`);
  if (m.reasons.length > 0) {
    lines.push('<b>Top reasons:</b>');
    for (const r of m.reasons) lines.push(`• ${telegramEscape(reasonLine(r))}`);
  }
  const open = openLine(m);
  if (open) lines.push(telegramEscape(open));
  let text = lines.join('\n');
  // Cut at a line boundary so no tag or entity is split.
  while (text.length > MAX_TEXT && lines.length > 1) {
    lines.splice(lines.length - 2, 1);
    text = lines.join('\n');
  }
  return text;
}

/** The `sendMessage` body. */
export function telegramPayload(chatId: string, m: AlertMessage): Record<string, unknown> {
  return {
    chat_id: /^-?\d+$/.test(chatId) ? Number(chatId) : chatId,
    text: telegramText(m),
    parse_mode: 'HTML',
    link_preview_options: { is_disabled: true },
  };
}

interface TelegramReply {
  ok?: boolean;
  description?: string;
  error_code?: number;
  parameters?: { retry_after?: number };
  result?: { message_id?: number };
}

/**
 * Telegram `sendMessage`: `{ ok: true }` delivered; `429` with `parameters.retry_after` (seconds)
 * honoured; 5xx retried; other errors (wrong token: 401/404, wrong chat: 400) final.
 */
export const sendTelegram: ChannelSender = async (ctx) => {
  const token = ctx.secrets.token;
  if (!token) throw new DeliveryFailure('secret_missing', 'the bot token is missing', { retryable: false });
  const chatId = ctx.config.chatId;
  if (!chatId) throw new DeliveryFailure('channel_missing', 'the chat id is missing', { retryable: false });
  const base = (ctx.config.apiBase ?? TELEGRAM_API_BASE).replace(/\/+$/, '');
  const reply = await postJson(
    ctx,
    `${base}/bot${token}/sendMessage`,
    JSON.stringify(telegramPayload(chatId, ctx.message)),
  );
  let parsed: TelegramReply = {};
  try {
    parsed = JSON.parse(reply.text) as TelegramReply;
  } catch {
    // Not JSON (a proxy's error page): judged by the HTTP status alone.
  }
  const retryAfter = parsed.parameters?.retry_after;
  const failure = failureOf(
    { ...reply, text: parsed.description ?? reply.text },
    ctx.now(),
    typeof retryAfter === 'number' ? retryAfter * 1000 : null,
  );
  if (failure) throw failure;
  if (parsed.ok !== true) {
    throw new DeliveryFailure(
      'http_4xx',
      `Telegram did not accept the message: ${parsed.description ?? reply.text.slice(0, 200)}`,
      {
        retryable: false,
      },
    );
  }
  return `HTTP ${reply.status} ok (message ${parsed.result?.message_id ?? '?'})`;
};
