import { useSyncExternalStore } from 'react';

/** The screens, addressed by the URL hash so the same build works from file:// and http://. */
export type Route =
  | { name: 'load' }
  | { name: 'jobs' }
  | { name: 'runs' }
  | { name: 'run'; runId: string }
  | { name: 'connections' }
  | { name: 'settings' };

/** Parses `#/runs/<id>` and friends; anything unknown opens the load wizard. */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  switch (parts[0]) {
    case 'jobs':
      return { name: 'jobs' };
    case 'runs':
      return parts[1] ? { name: 'run', runId: parts[1] } : { name: 'runs' };
    case 'connections':
      return { name: 'connections' };
    case 'settings':
      return { name: 'settings' };
    default:
      return { name: 'load' };
  }
}

/** The hash of a route, for links. */
export function href(route: Route): string {
  switch (route.name) {
    case 'run':
      return `#/runs/${encodeURIComponent(route.runId)}`;
    default:
      return `#/${route.name}`;
  }
}

/** Goes to a route (adds a history entry, so Back works). */
export function navigate(route: Route): void {
  window.location.hash = href(route);
}

const subscribe = (onChange: () => void) => {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
};

/** The current route's hash; components parse it (strings compare cheaply in useSyncExternalStore). */
export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => window.location.hash);
  return parseRoute(hash);
}
