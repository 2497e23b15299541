import { describe, expect, it } from 'vitest';
import type { LoadProgressDto } from '../../core/common/contract/index.ts';
import { RunEventStore } from './run-events.ts';

const progress = (runId: string, loaded: number): LoadProgressDto => ({
  runId,
  phase: 'loading',
  bytesRead: null,
  totalBytes: null,
  rowsRead: loaded,
  loaded,
  rejected: 0,
  rowsPerSecond: 1000,
  etaSeconds: null,
});

const finished = (runId: string) => ({
  runId,
  status: 'succeeded' as const,
  dryRun: false,
  counts: { read: 10, inserted: 10, updated: 0, unchanged: 0, skipped: 0, superseded: 0, rejected: 0 },
  durationMs: 5,
  error: null,
});

describe('RunEventStore', () => {
  it('keeps the latest progress per run and notifies subscribers', () => {
    const store = new RunEventStore();
    let calls = 0;
    const off = store.subscribe(() => calls++);
    store.progress(progress('a', 1));
    store.progress(progress('b', 7));
    store.progress(progress('a', 5));
    expect(store.get('a')?.progress?.loaded).toBe(5);
    expect(store.get('b')?.progress?.loaded).toBe(7);
    expect(calls).toBe(3);
    off();
    store.progress(progress('a', 6));
    expect(calls).toBe(3);
  });

  it('records a run that finished before anyone asked for it', () => {
    const store = new RunEventStore();
    store.finished(finished('quick'));
    expect(store.get('quick')?.finished?.status).toBe('succeeded');
  });

  it('ignores a progress event that arrives after the end', () => {
    const store = new RunEventStore();
    store.progress(progress('a', 5));
    store.finished(finished('a'));
    store.progress(progress('a', 9));
    expect(store.get('a')?.progress?.loaded).toBe(5);
    expect(store.get('a')?.finished).toBeDefined();
  });
});
