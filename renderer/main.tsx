import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { CallError, CODES } from '../core/common/contract/index.ts';
import { ApiProvider } from './api/api-context.tsx';
import { bridgeEvents } from './api/event-bridge.ts';
import { RunEventStore } from './api/run-events.ts';
import { isTransport, pickTransport } from './api/transport.ts';
import { App } from './app.tsx';
import './styles/theme.css';
import './styles/controls.css';
import './styles/wizard.css';
import './styles/grids.css';

// The composition root: pick the transport, create the query cache, bridge pushed events, render.
const rootElement = document.getElementById('root');
if (!rootElement) throw new Error('#root is missing from index.html');
const root = createRoot(rootElement);
const transport = pickTransport(window);

if (!isTransport(transport)) {
  root.render(
    <div className="fatal" role="alert" data-testid="fatal">
      <h1>Loadstone cannot reach its engine</h1>
      <p>{transport.message}</p>
    </div>,
  );
} else {
  const queryClient = new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 5_000,
        // Engine errors are answers (missing file, bad spec): retrying them only delays the message.
        // Only a transport failure is worth one more try.
        retry: (count, error) =>
          error instanceof CallError && error.code === CODES.ENGINE_UNREACHABLE && count < 2,
      },
    },
  });
  const runEvents = new RunEventStore();
  bridgeEvents(transport.api, queryClient, runEvents);
  root.render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <ApiProvider transport={transport} runEvents={runEvents}>
          <App />
        </ApiProvider>
      </QueryClientProvider>
    </StrictMode>,
  );
}
