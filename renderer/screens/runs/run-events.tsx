import { useCommand } from '../../api/queries.ts';
import { formatDateTime } from '../../components/format.ts';
import { ErrorBox } from '../../components/states.tsx';

/** What a run's events are, in words (the kind stays shown for searching the CLI's output). */
const EVENT_WORDS: Record<string, string> = {
  retry: 'Retried',
  rate_limited: 'Rate-limited',
  token_refreshed: 'Token refreshed',
  no_control_row: 'No committed position',
  resumed: 'Resumed',
  interrupted: 'Interrupted',
  settings_defaults: 'Defaults from Settings',
  columns_added: 'Columns added',
  truncated: 'Table emptied',
  watermark_set_aside: 'Watermark set aside',
  typed_by_target: 'Typed by the table',
  column_warning: 'Column warning',
};

/**
 * What the run recorded as it went (`runs.events`): a network source's retries and waits, a
 * watermark set aside, columns added, a table emptied, a resume… Nothing when it recorded none.
 */
export function RunEvents(props: { runId: string; running: boolean }) {
  const events = useCommand(
    'runs.events',
    { runId: props.runId },
    { refetchInterval: props.running ? 2000 : false },
  );
  if (events.isError) return <ErrorBox title="Cannot read the run's events" error={events.error} />;
  if (!events.data || events.data.length === 0) return null;
  return (
    <section className="panel" aria-label="Events" data-testid="run-events">
      <h2 className="panel-title">Events</h2>
      <table className="grid">
        <thead>
          <tr>
            <th>At</th>
            <th>Event</th>
            <th>What happened</th>
          </tr>
        </thead>
        <tbody>
          {events.data.map((e) => (
            <tr key={e.id} data-testid="run-event" data-kind={e.kind}>
              <td>{formatDateTime(e.at)}</td>
              <td title={e.kind}>{EVENT_WORDS[e.kind] ?? e.kind}</td>
              <td>{e.message ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
