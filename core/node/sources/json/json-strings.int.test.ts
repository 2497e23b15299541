import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../../pg/test-server.ts';
import { preview } from '../../preview/preview.ts';
import { runLoad } from '../../runs/run-load.ts';
import { openStore, type RunStore } from '../../store/open-store.ts';
import { tempDir, testSecretStore } from '../../store/test-fixtures/support.ts';
import { json, startApi } from '../http/test-api-server.ts';

// A JSON string is data as written: JSON has a null of its own, so "NA" (Namibia), "", "-" and
// " France " loaded as text are those strings, never NULL and never trimmed. A string column that
// becomes another type (dates written as strings) is still read like a CSV cell: trimmed, with the
// null tokens. Both on records sent as COPY text and records normalized one by one.

let targetUrl = '';
let dst: pg.Client;
let store: RunStore;
const dir = tempDir();

const ODD: (string | null)[] = [
  'NA',
  ' France ',
  '',
  '-',
  'none',
  'null',
  'NULL',
  'N/A',
  null,
  'tab\tand\nnewline ',
];
/** 3,000 records: clean codes, then the odd ones (after the sample, where records go as COPY text). */
const RECORDS = Array.from({ length: 3000 }, (_, i) => {
  const id = i + 1;
  const odd = id > 2990 ? ODD[id - 2991]! : undefined;
  return {
    id,
    code: odd === undefined ? `c${id}` : odd,
    born: id === 2991 ? ' NA ' : `2024-01-0${(id % 9) + 1}`,
  };
});
const expected = RECORDS.map((r) => [r.id, r.code] as const);

beforeAll(async () => {
  targetUrl = await createTestDatabase(inject('pgUrl'), 'json_strings_to');
  dst = new pg.Client({ connectionString: targetUrl });
  await dst.connect();
  store = openStore(tempDir(), { secretStore: testSecretStore() });
  writeFileSync(join(dir, 'countries.json'), JSON.stringify(RECORDS));
  writeFileSync(join(dir, 'countries.jsonl'), `${RECORDS.map((r) => JSON.stringify(r)).join('\n')}\n`);
  // The odd records first: all in the sample, normalized one by one.
  writeFileSync(join(dir, 'first.json'), JSON.stringify(RECORDS.slice(2990)));
});
afterAll(async () => {
  store?.close();
  await dst?.end();
});

const load = (spec: Parameters<typeof runLoad>[0]) =>
  runLoad(spec, {
    store,
    env: {},
    dryRun: false,
    openWarehouse: () => Promise.reject(new Error('not the local warehouse')),
  });

async function loaded(table: string, column = 'code'): Promise<(readonly [number, string | null])[]> {
  const got = await dst.query(`SELECT id::int AS id, ${column} AS v FROM ${table} ORDER BY id`);
  return got.rows.map((r) => [r.id, r.v] as const);
}

describe('JSON strings loaded as text', () => {
  for (const name of ['countries.json', 'countries.jsonl']) {
    it(`${name}: load as written, on records sent as COPY text`, async () => {
      const table = name.replace('.', '_');
      const outcome = await load({
        source: { path: join(dir, name) },
        target: { connection: targetUrl, table },
        settings: { sampleSize: 50 },
      });
      expect(outcome.error ?? null).toBeNull();
      expect(outcome.counts).toMatchObject({ read: 3000, inserted: 3000, rejected: 0 });
      expect(await loaded(table)).toEqual(expected);
      // Strings of dates are typed date and read like a CSV cell: ' NA ' is NULL.
      const born = await loaded(table, 'born::text');
      expect(born[2990]).toEqual([2991, null]);
      expect(born[0]).toEqual([1, '2024-01-02']);
    });
  }

  it('load as written when every odd one is in the sample (normalized one by one); the preview shows them so', async () => {
    const outcome = await load({
      source: { path: join(dir, 'first.json') },
      target: { connection: targetUrl, table: 'first_json' },
    });
    expect(outcome.error ?? null).toBeNull();
    expect(await loaded('first_json')).toEqual(expected.slice(2990));
    const shown = await preview({ source: { path: join(dir, 'first.json') } }, { limit: 10 });
    const code = shown.columns.find((c) => c.source === 'code')!;
    expect(code.type).toBe('text');
    expect(code.format.nullTokens).toEqual([]);
    expect(code.nullCount).toBe(1);
    expect(shown.rows.map((r) => r.values[code.name] ?? null)).toEqual(ODD);
  });

  it("the job's null tokens apply when set", async () => {
    const outcome = await load({
      source: { path: join(dir, 'countries.json') },
      target: { connection: targetUrl, table: 'json_tokens' },
      format: { nullTokens: ['NA', ''] },
      settings: { sampleSize: 50 },
    });
    expect(outcome.error ?? null).toBeNull();
    expect(await loaded('json_tokens')).toEqual(
      expected.map(([id, v]) => [id, v === 'NA' || v === '' ? null : v]),
    );
  });

  it('from an HTTP API: the same', async () => {
    const api = await startApi((req, res) => {
      const page = Number(req.url.searchParams.get('page'));
      json(res, { items: RECORDS.slice((page - 1) * 500, page * 500) });
    }, 20);
    try {
      const outcome = await load({
        source: {
          kind: 'http',
          url: `${api.url}/countries`,
          records: 'items',
          pagination: { type: 'pageNumber' },
        },
        target: { connection: targetUrl, table: 'api_countries' },
        settings: { sampleSize: 50 },
      });
      expect(outcome.error ?? null).toBeNull();
      expect(await loaded('api_countries')).toEqual(expected);
    } finally {
      await api.close();
    }
  });
});
