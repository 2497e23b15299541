import { describe, expect, it } from 'vitest';
import { EventBus } from './event-bus.ts';
import type { Logger } from './logger.ts';

function memoryLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m) };
}

describe('EventBus', () => {
  it('delivers events to subscribers and to listeners of that event only', () => {
    const bus = new EventBus();
    const all: string[] = [];
    const changed: string[] = [];
    bus.subscribe((name) => all.push(name));
    const off = bus.on('data.changed', (p) => changed.push(p.domain));
    bus.publish('data.changed', { domain: 'jobs' });
    bus.publish('load.finished', {
      runId: 'r1',
      status: 'succeeded',
      dryRun: false,
      counts: { read: 1, inserted: 1, updated: 0, unchanged: 0, skipped: 0, superseded: 0, rejected: 0 },
      durationMs: 5,
      error: null,
    });
    off();
    bus.publish('data.changed', { domain: 'runs' });
    expect(all).toEqual(['data.changed', 'load.finished', 'data.changed']);
    expect(changed).toEqual(['jobs']);
  });

  it('drops a payload that breaks the contract, and survives a throwing listener', () => {
    const log = memoryLog();
    const bus = new EventBus(log);
    const got: unknown[] = [];
    bus.subscribe(() => {
      throw new Error('transport gone');
    });
    bus.subscribe((_n, p) => got.push(p));
    bus.publish('data.changed', { domain: 'nonsense' } as never);
    bus.publish('data.changed', { domain: 'settings' });
    expect(got).toEqual([{ domain: 'settings' }]);
    expect(log.lines.some((l) => l.includes('does not match the contract'))).toBe(true);
    expect(log.lines.some((l) => l.includes('listener failed'))).toBe(true);
  });
});
