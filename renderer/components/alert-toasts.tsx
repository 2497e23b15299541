import { useEffect, useState } from 'react';
import type { EventPayload } from '../../core/common/contract/events.ts';
import { useTransport } from '../api/api-context.tsx';
import { useCommand } from '../api/queries.ts';

type Notice = EventPayload<'alert.desktop'> & { key: number };

/**
 * Desktop alert channels in the page (the browser host; the desktop app also gets an OS
 * notification from main): a toast per message until dismissed, and the browser's own notification
 * when the operator has allowed it.
 */
export function AlertToasts() {
  const { api } = useTransport();
  const info = useCommand('app.info', {});
  // The desktop app shows an OS notification from main instead (a toast too would say it twice).
  const inPage = info.data?.transport === 'http';
  const [notices, setNotices] = useState<Notice[]>([]);
  useEffect(() => {
    if (!inPage) return;
    let next = 0;
    return api.on('alert.desktop', (n) => {
      setNotices((list) => [...list.slice(-4), { ...n, key: next++ }]);
      if (typeof Notification !== 'undefined' && Notification.permission === 'granted') {
        new Notification(n.title, { body: n.body });
      }
    });
  }, [api, inPage]);
  if (notices.length === 0) return null;
  return (
    <div className="toasts" aria-live="polite" data-testid="alert-toasts">
      {notices.map((n) => (
        <div key={n.key} className="toast" role="status" data-testid="alert-toast">
          <strong>{n.title}</strong>
          <p className="toast-body">{n.body}</p>
          {n.link ? <a href={n.link}>Open the run</a> : null}{' '}
          <button
            type="button"
            className="btn btn-small btn-ghost"
            onClick={() => setNotices((list) => list.filter((x) => x.key !== n.key))}
          >
            Dismiss
          </button>
        </div>
      ))}
    </div>
  );
}
