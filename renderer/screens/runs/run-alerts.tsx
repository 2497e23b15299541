import { useCommand } from '../../api/queries.ts';
import { formatDateTime } from '../../components/format.ts';
import { ErrorBox } from '../../components/states.tsx';

/** The run's alert deliveries: channel, event, status, attempts, last error (secrets scrubbed). */
export function RunAlerts(props: { runId: string }) {
  const alerts = useCommand('runs.alerts', { runId: props.runId });
  if (alerts.isError) return <ErrorBox title="Cannot read the run's alerts" error={alerts.error} />;
  if (!alerts.data || alerts.data.length === 0) return null;
  return (
    <section className="panel" aria-label="Alerts" data-testid="run-alerts">
      <h2 className="panel-title">Alerts</h2>
      <table className="grid">
        <thead>
          <tr>
            <th>Channel</th>
            <th>Event</th>
            <th>Status</th>
            <th>Attempts</th>
            <th>Answer or last error</th>
            <th>At</th>
          </tr>
        </thead>
        <tbody>
          {alerts.data.map((d) => (
            <tr key={d.messageId} data-testid={`run-alert-${d.channel}`} data-status={d.status}>
              <td className="mono">{d.channel}</td>
              <td className="mono">{d.event}</td>
              <td data-testid="run-alert-status">{d.status}</td>
              <td>{d.attempts}</td>
              <td>
                {d.status === 'sent'
                  ? d.answer
                  : d.status === 'suppressed'
                    ? 'cooldown: counted by the next message'
                    : d.lastError}
              </td>
              <td>{formatDateTime(d.updatedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
