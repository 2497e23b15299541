import { createContext, type ReactNode, useContext } from 'react';
import type { RunEventStore } from './run-events.ts';
import type { Transport } from './transport.ts';

interface ApiContextValue {
  transport: Transport;
  runEvents: RunEventStore;
}

const ApiContext = createContext<ApiContextValue | null>(null);

/** Provides the transport picked at start and the live run-event store. */
export function ApiProvider(props: { transport: Transport; runEvents: RunEventStore; children: ReactNode }) {
  return (
    <ApiContext.Provider value={{ transport: props.transport, runEvents: props.runEvents }}>
      {props.children}
    </ApiContext.Provider>
  );
}

function useApiContext(): ApiContextValue {
  const value = useContext(ApiContext);
  if (!value) throw new Error('ApiProvider is missing');
  return value;
}

/** The transport (typed API plus per-transport capabilities). */
export function useTransport(): Transport {
  return useApiContext().transport;
}

/** The store of live run events. */
export function useRunEventStore(): RunEventStore {
  return useApiContext().runEvents;
}
