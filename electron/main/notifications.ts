import { Notification } from 'electron';
import type { EventPayload } from '../../core/common/contract/events.ts';

/** Loads shorter than this end while the operator is still watching; no notification. */
export const NOTIFY_AFTER_MS = 10_000;

const TITLES: Record<string, string> = {
  succeeded: 'Load finished',
  failed: 'Load failed',
  cancelled: 'Load cancelled',
  interrupted: 'Load interrupted',
};

/** Shows an OS notification when a load that ran for more than ~10 s ends: status and counts. */
export function notifyLoadFinished(event: EventPayload<'load.finished'>): void {
  if (event.durationMs < NOTIFY_AFTER_MS || !Notification.isSupported()) return;
  const c = event.counts;
  const what = event.dryRun ? 'Dry run' : 'Load';
  const title = event.dryRun
    ? `${what}: ${event.status}`
    : (TITLES[event.status] ?? `${what} ${event.status}`);
  const lines = [
    `${c.read.toLocaleString()} read · ${c.inserted.toLocaleString()} inserted · ${c.updated.toLocaleString()} updated`,
    `${c.rejected.toLocaleString()} rejected`,
  ];
  if (event.error) lines.push(event.error.message);
  new Notification({ title, body: lines.join('\n'), silent: event.status === 'succeeded' }).show();
}

/**
 * Shows an alert of a `desktop` channel (the engine's `alert.desktop` event); a click brings the
 * window forward on the run (`onOpen` gets the app route, `#/runs/<id>`).
 */
export function notifyAlert(event: EventPayload<'alert.desktop'>, onOpen: (link: string) => void): void {
  if (!Notification.isSupported()) return;
  const notification = new Notification({ title: event.title, body: event.body });
  const { link } = event;
  if (link) notification.on('click', () => onOpen(link));
  notification.show();
}
