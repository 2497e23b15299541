import { type ChannelSender, DeliveryFailure } from './http.ts';
import { headline, messageFacts, openLine, reasonLine } from './message.ts';

/**
 * Desktop notification: handed to the host's notifier (Electron main's `Notification`, or the
 * browser host's page through the `alert.desktop` event). The CLI has none: the delivery fails
 * with `no_desktop`, final.
 */
export const sendDesktop: ChannelSender = async (ctx) => {
  if (!ctx.desktop) {
    throw new DeliveryFailure('no_desktop', 'no desktop session to show a notification in (CLI)', {
      retryable: false,
    });
  }
  const m = ctx.message;
  const facts = messageFacts(m).filter((f) => f.label !== 'Job' && f.label !== 'Run');
  const lines = facts.map((f) => `${f.label}: ${f.value}`);
  if (m.reasons[0]) lines.push(`Top reason: ${reasonLine(m.reasons[0])}`);
  const open = openLine(m);
  if (open && !ctx.message.open.app) lines.push(open);
  ctx.desktop({
    title: headline(m),
    body: lines.join('\n'),
    link: m.open.app,
    runId: m.runId,
    event: m.type,
  });
  return 'shown';
};
