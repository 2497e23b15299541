import { describe, expect, it } from 'vitest';
import { href, parseRoute, type Route } from './router.ts';

describe('hash routes', () => {
  it.each<[string, Route]>([
    ['', { name: 'load' }],
    ['#/', { name: 'load' }],
    ['#/load', { name: 'load' }],
    ['#/jobs', { name: 'jobs' }],
    ['#/runs', { name: 'runs' }],
    ['#/runs/r%2F1', { name: 'run', runId: 'r/1' }],
    ['#/connections', { name: 'connections' }],
    ['#/settings', { name: 'settings' }],
    ['#/nonsense', { name: 'load' }],
  ])('%s', (hash, route) => {
    expect(parseRoute(hash)).toEqual(route);
  });

  it('href and parseRoute agree', () => {
    const routes: Route[] = [{ name: 'run', runId: 'a b/c' }, { name: 'settings' }, { name: 'runs' }];
    for (const r of routes) expect(parseRoute(href(r))).toEqual(r);
  });
});
