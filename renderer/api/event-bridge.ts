import type { QueryClient } from '@tanstack/react-query';
import type { LoadstoneApi } from '../../core/common/contract/index.ts';
import { invalidateDomain } from './queries.ts';
import type { RunEventStore } from './run-events.ts';

/**
 * Wires pushed events into the UI's state: live run events into the run store, `data.changed`
 * into exactly the stale queries, and a finished run into its own run and report queries.
 * Returns the function that unsubscribes everything.
 */
export function bridgeEvents(api: LoadstoneApi, client: QueryClient, runs: RunEventStore): () => void {
  const offs = [
    api.on('load.progress', (p) => runs.progress(p)),
    api.on('load.finished', (p) => {
      runs.finished(p);
      void client.invalidateQueries({ queryKey: ['runs.get', { runId: p.runId }] });
      void client.invalidateQueries({ queryKey: ['runs.list'] });
      void client.invalidateQueries({ queryKey: ['reports.summary', { runId: p.runId }] });
      void client.invalidateQueries({
        predicate: (q) =>
          q.queryKey[0] === 'reports.page' &&
          (q.queryKey[1] as { runId?: string } | undefined)?.runId === p.runId,
      });
      // A load creates or grows tables: row counts and compatibility answers change.
      void client.invalidateQueries({ queryKey: ['targets.tables'] });
      void client.invalidateQueries({ queryKey: ['targets.check'] });
    }),
    api.on('data.changed', (p) => void invalidateDomain(client, p.domain)),
  ];
  return () => {
    for (const off of offs) off();
  };
}
