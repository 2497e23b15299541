import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reply } from '../../common/contract/errors.ts';
import { dispatch } from './dispatch.ts';
import { openTestEngine, type TestEngine } from './test-support.ts';

// The Jobs screen and its Run now confirmation name a job's source by `jobs.list`'s `sourceName`. A
// file is named by its name; an HTTP API or a database source by its whole label. Taking the label's
// last `/` part named an API job `items` (of `http GET https://…/v1/items`), and a Run now asked
// whether to insert "the keys of items".

let t: TestEngine;
const call = (name: string, input: unknown): Promise<Reply<unknown>> =>
  dispatch(t.engine.handlers, name, input, t.log);
const target = { connection: 'local', table: 'items', mode: 'append' };

beforeAll(async () => {
  t = await openTestEngine();
});
afterAll(() => t.close());

async function save(name: string, source: unknown): Promise<void> {
  const reply = await call('jobs.save', { name, spec: { source, target } });
  if (!reply.ok) throw new Error(JSON.stringify(reply.error));
}

describe('jobs.list sourceName', () => {
  it('names a file by its name, an API and a database source by their whole label', async () => {
    const csv = t.writeFile('orders.csv', 'id\n1\n');
    await save('file', { handle: (await t.engine.grants.grantRead(csv)).handle });
    await save('api', { kind: 'http', url: 'https://api.example.com/v1/items', records: 'data' });
    await save('api-query', { kind: 'http', url: 'https://api.example.com/v1/items?since=2024/01/01' });
    await save('pg', { kind: 'postgres', connection: 'replica', query: 'select a/b as ratio from t' });
    const reply = await call('jobs.list', {});
    if (!reply.ok) throw new Error(JSON.stringify(reply.error));
    const names = Object.fromEntries(
      (reply.value as { name: string; sourceName: string }[]).map((j) => [j.name, j.sourceName]),
    );
    expect(names).toEqual({
      file: 'orders.csv',
      api: 'http GET https://api.example.com/v1/items',
      'api-query': 'http GET https://api.example.com/v1/items?since=***',
      pg: 'postgres replica query',
    });
  });
});
