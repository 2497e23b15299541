import {
  type QueryClient,
  type QueryKey,
  type UseQueryOptions,
  type UseQueryResult,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import type {
  CallError,
  CommandInput,
  CommandName,
  CommandOutput,
  EventPayload,
} from '../../core/common/contract/index.ts';
import { useTransport } from './api-context.tsx';

/** Query key of a command: its name, then its input (React Query hashes the input structurally). */
export function commandKey<N extends CommandName>(name: N, input?: CommandInput<N>): QueryKey {
  return input === undefined ? [name] : [name, input];
}

type QueryOptions<N extends CommandName> = Omit<
  UseQueryOptions<CommandOutput<N>, CallError, CommandOutput<N>, QueryKey>,
  'queryKey' | 'queryFn'
>;

/** Reads engine state through a command, cached by command and input. */
export function useCommand<N extends CommandName>(
  name: N,
  input: CommandInput<N>,
  options?: QueryOptions<N>,
): UseQueryResult<CommandOutput<N>, CallError> {
  const { api } = useTransport();
  return useQuery<CommandOutput<N>, CallError, CommandOutput<N>, QueryKey>({
    queryKey: commandKey(name, input),
    queryFn: () => api.call(name, input),
    ...options,
  });
}

/**
 * Which queries each `data.changed` domain makes stale. Reports of a run are invalidated
 * separately when that run finishes (they do not change afterwards).
 */
export const DOMAIN_QUERIES: Record<EventPayload<'data.changed'>['domain'], CommandName[]> = {
  // A run's end is also a job's last outcome.
  runs: ['runs.list', 'runs.get', 'runs.alerts', 'jobs.list'],
  alerts: ['alerts.list'],
  jobs: ['jobs.list', 'jobs.get'],
  connections: ['connections.list', 'targets.tables', 'targets.check'],
  // A preview applies the saved default date order and time zone: it is stale when they change.
  settings: ['settings.get', 'preview.run'],
};

/** Marks every query of a domain stale (active ones refetch). */
export function invalidateDomain(client: QueryClient, domain: keyof typeof DOMAIN_QUERIES): Promise<void> {
  return Promise.all(
    DOMAIN_QUERIES[domain].map((name) => client.invalidateQueries({ queryKey: [name] })),
  ).then(() => undefined);
}

/**
 * A command that changes something. `invalidates` names the domains it changes, so exactly their
 * queries refetch (the engine's `data.changed` event does the same for other windows and runs).
 */
export function useCommandMutation<N extends CommandName>(
  name: N,
  options?: {
    invalidates?: (keyof typeof DOMAIN_QUERIES)[];
    onSuccess?: (output: CommandOutput<N>, input: CommandInput<N>) => void;
  },
) {
  const { api } = useTransport();
  const client = useQueryClient();
  return useMutation<CommandOutput<N>, CallError, CommandInput<N>>({
    mutationKey: [name],
    mutationFn: (input) => api.call(name, input),
    onSuccess: async (output, input) => {
      options?.onSuccess?.(output, input);
      await Promise.all((options?.invalidates ?? []).map((d) => invalidateDomain(client, d)));
    },
  });
}
