import { answerOf, type ChannelSender, DeliveryFailure, failureOf, postJson } from './http.ts';
import { type AlertMessage, headline, messageFacts, openLine, plainText, reasonLine } from './message.ts';

/** Slack `mrkdwn` escaping: only `&`, `<` and `>` are special. */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Slack limits a header to 150 characters and a section's text to 3000. */
function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The Block Kit message: header, facts as fields, top reasons, how to open the run. */
export function slackPayload(m: AlertMessage): Record<string, unknown> {
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: cut(headline(m), 150), emoji: false } },
    {
      type: 'section',
      fields: messageFacts(m)
        .slice(0, 10)
        .map((f) => ({ type: 'mrkdwn', text: cut(`*${f.label}*\n${slackEscape(f.value)}`, 2000) })),
    },
  ];
  if (m.reasons.length > 0) {
    const lines = m.reasons.map((r) => `• ${slackEscape(reasonLine(r))}`);
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: cut(`*Top reasons*\n${lines.join('\n')}`, 3000) },
    });
  }
  const open = openLine(m);
  if (open) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: slackEscape(open) }] });
  return { text: cut(plainText(m), 3000), blocks };
}

/**
 * Slack incoming webhook: answers `200 ok`; `429` with `Retry-After` (seconds) when rate limited;
 * 4xx with a reason (`invalid_payload`, `no_service`) is final.
 */
export const sendSlack: ChannelSender = async (ctx) => {
  const url = ctx.secrets.webhookUrl;
  if (!url)
    throw new DeliveryFailure('secret_missing', 'the Slack webhook URL is missing', { retryable: false });
  const reply = await postJson(ctx, url, JSON.stringify(slackPayload(ctx.message)));
  const failure = failureOf(reply, ctx.now());
  if (failure) throw failure;
  return answerOf(reply);
};
