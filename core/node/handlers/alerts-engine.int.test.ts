import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Reply } from '../../common/contract/errors.ts';
import type { EventPayload } from '../../common/contract/events.ts';
import { parseJobSpec } from '../../common/spec/job-spec.ts';
import { type Receiver, startReceiver } from '../alerts/test-support.ts';
import { createTestDatabase } from '../pg/test-server.ts';
import { KeyedSecretStore, openStore } from '../store/index.ts';
import { dispatch } from './dispatch.ts';
import { openTestEngine, type TestEngine } from './test-support.ts';

// The engine as the app runs it: a load's end goes out at once even when its alert channel hangs;
// the delivery is recorded pending, and abandoned when the engine closes.

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
let t: TestEngine;
let hanging: Receiver;
let url = '';

const call = async (name: string, input: unknown): Promise<unknown> => {
  const reply: Reply<unknown> = await dispatch(t.engine.handlers, name, input, t.log);
  if (!reply.ok) throw new Error(`${name}: ${JSON.stringify(reply.error)}`);
  return reply.value;
};

beforeAll(async () => {
  url = await createTestDatabase(inject('pgUrl'), 'engine_alerts');
  hanging = await startReceiver(() => 'hang', 5);
  t = await openTestEngine();
});
afterAll(async () => {
  await t?.close();
  await hanging?.close();
});

describe('alerts in the engine', () => {
  it('a hanging channel does not hold the load: load.finished first, the delivery pending, then abandoned at close', async () => {
    await call('connections.save', { name: 'wh', url: `${url}?sslmode=disable` });
    await call('alerts.save', { name: 'slow', kind: 'webhook', url: hanging.url, secret: SECRET });
    const csv = t.writeFile('orders.csv', 'id,amount\n1,1.5\n2,x\n3,2.5\n');
    const { handle } = await t.engine.grants.grantRead(csv);
    const finished = new Promise<EventPayload<'load.finished'>>((resolve) => {
      const off = t.engine.bus.on('load.finished', (p) => {
        off();
        resolve(p);
      });
    });
    const { runId } = (await call('loads.start', {
      spec: {
        source: { handle },
        columns: [{ source: 'amount', type: 'numeric' }],
        target: { connection: 'wh', table: 'orders' },
        settings: { maxErrorRate: 0.5 },
        alerts: { channels: ['slow'], warnErrorRate: 0.1 },
      },
    })) as { runId: string };
    const end = await finished;
    expect(end).toMatchObject({ runId, status: 'succeeded' });
    // The receiver gets the message and never answers; the run's delivery stays pending meanwhile.
    await hanging.waitFor(1);
    expect(await call('runs.alerts', { runId })).toEqual([
      expect.objectContaining({ channel: 'slow', event: 'run.warning', status: 'pending', attempts: 1 }),
    ]);
    await t.engine.close();
    const store = openStore(t.dataDir, { secretStore: new KeyedSecretStore(randomBytes(32)) });
    try {
      expect(store.alerts.deliveriesOfRun(runId)[0]).toMatchObject({
        status: 'abandoned',
        errorCode: 'abandoned',
      });
      expect(readFileSync(store.path).includes(SECRET.slice(6))).toBe(false);
    } finally {
      store.close();
    }
    expect(t.log.lines.join('\n')).not.toContain(SECRET.slice(6));
  });

  it('at open, alerts a run another command marked interrupted (the scheduler killed, then `runs`)', async () => {
    const receiver = await startReceiver(() => ({ status: 200 }), 5);
    let runId = '';
    const other = await openTestEngine({
      env: { S: SECRET },
      prepare: (dataDir, secretStore) => {
        const spec = parseJobSpec({
          name: 'nightly',
          source: { path: '/data/orders.csv' },
          target: { table: 'orders' },
          alerts: { channels: ['ops'] },
        });
        // A run whose process died; the next command to open the store (`runs`) marks it
        // interrupted and sends nothing.
        const store = openStore(dataDir, { secretStore });
        store.alerts.saveChannel({
          name: 'ops',
          kind: 'webhook',
          config: { url: receiver.url, secretEnv: 'S' },
        });
        runId = store.runs.create({ spec, jobName: 'nightly' });
        store.close();
        const runs = openStore(dataDir, { secretStore });
        expect(runs.runs.get(runId)?.status).toBe('interrupted');
        runs.close();
      },
    });
    try {
      await receiver.waitFor(1);
      expect(receiver.requests.map((r) => JSON.parse(r.body))).toEqual([
        expect.objectContaining({ type: 'run.interrupted', runId }),
      ]);
    } finally {
      await other.close();
      await receiver.close();
    }
  });
});
