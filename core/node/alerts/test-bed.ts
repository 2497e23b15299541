// Test support for the outbox's integration tests: a real store per test, real receivers, recorded runs.
import { afterEach, beforeEach } from 'vitest';
import { parseJobSpec } from '../../common/spec/job-spec.ts';
import { openStore, type RunStore } from '../store/open-store.ts';
import type { SecretStore } from '../store/secret-store.ts';
import { makeRejects, tempDir, testSecretStore } from '../store/test-fixtures/support.ts';
import type { DesktopNotice } from './http.ts';
import { type AlertOutbox, createAlertOutbox } from './outbox.ts';
import { type Receiver, type Reply, startReceiver } from './test-support.ts';

/** Short backoffs: retries in tests take milliseconds. */
export const FAST = { minBackoffMs: 5, maxBackoffMs: 20, timeoutMs: 5000 };

/** What a test gets from `alertTestBed`. */
export interface AlertTestBed {
  readonly store: RunStore;
  /** The store's clock (settable; `reopen({ realClock: true })` uses the real one). */
  clock: Date;
  readonly logs: string[];
  /** Closes the store and opens it again. */
  reopen(opts?: { realClock?: boolean; secretStore?: SecretStore }): RunStore;
  /** A receiver answering each request with `reply(index)`, closed after the test. */
  receiver(reply: (index: number) => Reply, max?: number): Promise<Receiver>;
  /** An outbox on the store with short backoffs, logging into `logs`. */
  outbox(env?: NodeJS.ProcessEnv, desktop?: (n: DesktopNotice) => void): AlertOutbox;
  /** A recorded, finished run with `rejected` rows of makeRejects (raw cells x0, x1, …). */
  recordRun(opts: {
    name?: string;
    channels: string[];
    on?: string[];
    warnErrorRate?: number;
    status: 'succeeded' | 'failed';
    read: number;
    rejected: number;
    errorCode?: string;
  }): string;
}

/** Registers the hooks (a fresh data folder and store per test) and returns the bed. */
export function alertTestBed(): AlertTestBed {
  let dir = '';
  let store: RunStore | null = null;
  let receivers: Receiver[] = [];
  const logs: string[] = [];
  const bed: AlertTestBed = {
    get store() {
      if (!store) throw new Error('no store outside a test');
      return store;
    },
    clock: new Date(),
    logs,
    reopen(opts = {}) {
      store?.close();
      store = openStore(dir, {
        secretStore: opts.secretStore ?? testSecretStore(),
        ...(opts.realClock ? {} : { now: () => bed.clock }),
      });
      return store;
    },
    async receiver(reply, max = 10) {
      const r = await startReceiver((_req, i) => reply(i), max);
      receivers.push(r);
      return r;
    },
    outbox(env = {}, desktop) {
      return createAlertOutbox({
        store: bed.store,
        env,
        policy: FAST,
        log: (line) => logs.push(line),
        ...(desktop ? { desktop } : {}),
      });
    },
    recordRun(opts) {
      const spec = parseJobSpec({
        name: opts.name ?? 'nightly-orders',
        source: { path: '/data/orders.csv' },
        target: { connection: 'local', table: 'orders' },
        alerts: {
          channels: opts.channels,
          ...(opts.on ? { on: opts.on } : {}),
          warnErrorRate: opts.warnErrorRate,
        },
      });
      const s = bed.store;
      const id = s.runs.create({
        spec,
        jobName: spec.name ?? null,
        sourceColumns: ['id', 'amount', 'date', 'note'],
      });
      const writer = s.rejects.writer(id);
      writer.add(makeRejects(0, opts.rejected));
      writer.flush();
      s.runs.finish(id, {
        status: opts.status,
        counts: { read: opts.read, inserted: opts.read - opts.rejected, rejected: opts.rejected },
        error: opts.errorCode
          ? { code: opts.errorCode, message: `the load stopped (${opts.errorCode})` }
          : null,
        durationMs: 1234,
      });
      return id;
    },
  };
  beforeEach(() => {
    dir = tempDir();
    bed.clock = new Date('2026-12-05T08:00:00Z');
    logs.length = 0;
    receivers = [];
    bed.reopen();
  });
  afterEach(async () => {
    await Promise.all(receivers.map((r) => r.close()));
    store?.close();
    store = null;
  });
  return bed;
}
