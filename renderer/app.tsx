import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTransport } from './api/api-context.tsx';
import type { StreamState } from './api/http-client.ts';
import { AlertToasts } from './components/alert-toasts.tsx';
import { href, type Route, useRoute } from './router.ts';
import { ConnectionsScreen } from './screens/connections/connections-screen.tsx';
import { JobsScreen } from './screens/jobs/jobs-screen.tsx';
import { LoadWizard } from './screens/load/load-wizard.tsx';
import { WizardProvider } from './screens/load/wizard-context.tsx';
import { RunScreen } from './screens/runs/run-screen.tsx';
import { RunsScreen } from './screens/runs/runs-screen.tsx';
import { SettingsScreen } from './screens/settings/settings-screen.tsx';

const NAV: { route: Route; label: string; matches: Route['name'][] }[] = [
  { route: { name: 'load' }, label: 'New load', matches: ['load'] },
  { route: { name: 'jobs' }, label: 'Jobs', matches: ['jobs'] },
  { route: { name: 'runs' }, label: 'Runs', matches: ['runs', 'run'] },
  { route: { name: 'connections' }, label: 'Connections', matches: ['connections'] },
  { route: { name: 'settings' }, label: 'Settings', matches: ['settings'] },
];

/** The shell: navigation, the engine-connection banner, and the current screen. */
export function App() {
  const route = useRoute();
  const first = useRef(true);
  // After navigating, move focus to the new screen so keyboard and screen-reader users start there.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    if (route.name) document.getElementById('main')?.focus({ preventScroll: true });
  }, [route.name]);
  return (
    <WizardProvider>
      <div className="shell">
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <nav className="sidebar" aria-label="Main">
          <div className="brand">
            <span className="brand-mark" aria-hidden="true">
              ◆
            </span>{' '}
            Loadstone
          </div>
          <ul>
            {NAV.map((item) => (
              <li key={item.label}>
                <a
                  href={href(item.route)}
                  aria-current={item.matches.includes(route.name) ? 'page' : undefined}
                  data-testid={`nav-${item.route.name}`}
                >
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" className="main" tabIndex={-1}>
          <StreamBanner />
          <Screen route={route} />
        </main>
        <AlertToasts />
      </div>
    </WizardProvider>
  );
}

function Screen(props: { route: Route }) {
  const r = props.route;
  switch (r.name) {
    case 'load':
      return <LoadWizard />;
    case 'jobs':
      return <JobsScreen />;
    case 'runs':
      return <RunsScreen />;
    case 'run':
      return <RunScreen key={r.runId} runId={r.runId} />;
    case 'connections':
      return <ConnectionsScreen />;
    case 'settings':
      return <SettingsScreen />;
  }
}

/** Says so when the push-event stream dropped, and refreshes everything once it is back. */
function StreamBanner() {
  const transport = useTransport();
  const client = useQueryClient();
  const [state, setState] = useState<StreamState>('open');
  useEffect(() => {
    if (!transport.onStreamState) return;
    let wasLost = false;
    return transport.onStreamState((s) => {
      setState(s);
      if (s === 'reconnecting') wasLost = true;
      // Events may have been missed while disconnected: re-read what is on screen.
      if (s === 'open' && wasLost) {
        wasLost = false;
        void client.invalidateQueries();
      }
    });
  }, [transport, client]);
  if (state !== 'reconnecting') return null;
  return (
    <div className="banner" role="status" data-testid="stream-banner">
      Lost the live connection to the engine — reconnecting… (progress shown may be behind)
    </div>
  );
}
