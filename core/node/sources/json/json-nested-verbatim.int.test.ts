import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseJobSpec } from '../../../common/spec/job-spec.ts';
import { createTestDatabase } from '../../pg/test-server.ts';
import { planJob } from '../../pipeline/plan-job.ts';
import { runLoad } from '../../runs/run-load.ts';
import { expectLoadedAlike, readOffered, runOptions } from '../../runs/verbatim-test-support.ts';
import { openStore, type RunStore } from '../../store/open-store.ts';
import { tempDir, testSecretStore } from '../../store/test-fixtures/support.ts';
import { skipValue } from './json-copy-rows.ts';

// Records with nested objects and arrays (an API's `customer`, `tags` and `metadata`), without some
// keys or with them in another order, go as COPY text into a jsonb column: the value's text is checked as JSON and written as it is (jsonb keeps
// the value, not the text). A string in a jsonb column (read as JSON text by the usual path), a
// `\u0000` or an unpaired surrogate (which jsonb refuses: the usual path rejects it with its
// reason) and a value nested deeper than 64 go the usual way. Before, one nested column sent every
// record the usual way.

const ROWS = 30_000;
const dir = tempDir();
const arrayFile = join(dir, 'docs.json');
const ndjsonFile = join(dir, 'docs.ndjson');
let url = '';
let client: pg.Client;
let store: RunStore;

const deep = (n: number) => `${'['.repeat(n)}1${']'.repeat(n)}`;
/** Odd documents from record 25,001 on; the first five go the usual way. */
const ODD: Record<number, string> = {
  25001: '"{\\"a\\": 1}"',
  25002: '{"s": "nul \\u0000"}',
  25003: '{"s": "half \\ud800"}',
  25004: deep(70),
  25005: '"plain text"',
  25006: '{"n": 1.0, "e": 1e2, "big": 123456789012345678901234567890, "neg": -0, "tiny": 1.5E-300}',
  25007: '[1, "two", {"three": [true, false, null]}, [], {}]',
  25008: '12.50',
  25009: 'true',
  25010: 'null',
  25011: '{"k": "tab\\there", "u": "é😀 \\u00e9 \\ud83d\\ude00", "slash": "a\\\\b\\/c", "q": "\\"q\\""}',
  25012: '{"a": 1, "a": 2, "__proto__": {"x": 1}}',
  25013: deep(60),
};
const USUAL = [25001, 25002, 25003, 25004, 25005];
/** Records without some keys (an API that leaves out its empty fields: NULL in their place) or with them in another order, as COPY text too. */
const SPARSE: Record<number, string> = {
  25014: '{"id": 25014, "doc": {"k": 1}}',
  25015: '{"id": 25015, "amount": 5}',
  // Keys in another order than the columns'.
  25016: '{"amount": 7, "doc": {"z": [1]}, "id": 25016}',
  25017: '{"meta": {"x": 1}, "id": 25017, "doc": null}',
};

function doc(n: number, ndjson: boolean): string {
  const odd = ODD[n];
  if (odd !== undefined) return odd;
  const gap = ndjson ? ' ' : '\n    ';
  return `{"n": ${n},${gap}"tags": ["x${n % 7}", "y"], "nested": {"ok": ${n % 2 === 0}, "at": "2024-01-01"}}`;
}

beforeAll(async () => {
  url = await createTestDatabase(inject('pgUrl'), 'json_nested_verbatim');
  client = new pg.Client({ connectionString: url });
  await client.connect();
  store = openStore(tempDir(), { secretStore: testSecretStore() });
  const record = (n: number, ndjson: boolean) =>
    SPARSE[n] ??
    `{"id": ${n}, "doc": ${doc(n, ndjson)}, "meta": {"page": ${n % 10}, "links": [{"rel": "self"}]}, "amount": ${n / 4}}`;
  const numbers = Array.from({ length: ROWS }, (_, i) => i + 1);
  writeFileSync(arrayFile, `[\n${numbers.map((n) => record(n, false)).join(',\n')}\n]\n`);
  writeFileSync(ndjsonFile, `${numbers.map((n) => record(n, true)).join('\n')}\n`);
});
afterAll(async () => {
  store?.close();
  await client?.end();
});

const SKIPS = [{ source: 'meta', skip: true }];
const FILES = { 'JSON array': () => arrayFile, NDJSON: () => ndjsonFile } as const;

const load = (path: string, table: string, target: Record<string, unknown>) =>
  runLoad(
    {
      source: { path },
      columns: SKIPS,
      target: { connection: url, table, ...target },
      settings: { sampleSize: 50, maxErrorRate: 1 },
    } as never,
    runOptions(store),
  );

describe('skipValue', () => {
  it('passes any JSON value nested at most 64 deep, and nothing else', () => {
    const at = (text: string) => skipValue(`${text},`, 0, text.length + 1);
    for (const ok of ['{}', '[]', '{ "a" : [1, {"b": null}] }', '[1,2 ,3]', deep(64), '"s"', '-1e5']) {
      expect(at(ok), ok).toBe(ok.length);
    }
    for (const bad of ['{', '[1,]', '{"a"}', '{"a":}', '{a: 1}', '[1 2]', '{"a": 1,}', deep(65), '[01]']) {
      expect(at(bad) === bad.length, bad).toBe(false);
    }
  });
});

describe.each(Object.keys(FILES) as (keyof typeof FILES)[])('%s records with nested values', (name) => {
  it('go as COPY text, a string, a jsonb refusal or a deep value the usual way', async () => {
    const job = await planJob(
      parseJobSpec({
        source: { path: FILES[name]() },
        columns: SKIPS,
        target: { connection: url, table: 'unused' },
        settings: { sampleSize: 50 },
      } as never),
    );
    expect(job.plans.map((p) => p.type)).toEqual(['integer', 'jsonb', 'jsonb', 'numeric']);
    const offered = await readOffered(job);
    const usual = offered.usual.map((cells) => Number(String(cells[0])));
    const after = Math.min(...offered.verbatim.map(({ line }) => line));
    expect(after).toBeLessThan(25_000);
    expect(usual.filter((id) => id > after)).toEqual(USUAL);
    expect(offered.verbatim.length + usual.length).toBe(ROWS);
    const cells = new Map(offered.verbatim.map(({ cells }) => [Number(String(cells[0])), cells[1]]));
    expect(JSON.parse(JSON.stringify(cells.get(25007)))).toEqual([
      1,
      'two',
      { three: [true, false, null] },
      [],
      {},
    ]);
    expect(JSON.parse(JSON.stringify(cells.get(25011)))).toEqual({
      k: 'tab\there',
      u: 'é😀 é 😀',
      slash: 'a\\b/c',
      q: '"q"',
    });
    expect(cells.get(25010)).toBeNull();
    const sparse = offered.verbatim.filter(
      ({ cells }) => Number(String(cells[0])) >= 25_014 && Number(String(cells[0])) <= 25_017,
    );
    expect(sparse.map(({ cells }) => JSON.parse(JSON.stringify(cells)))).toEqual([
      [25014, { k: 1 }, null],
      [25015, null, 5],
      [25016, { z: [1] }, 7],
      [25017, null, null],
    ]);
  });

  it('load what the usual path loads', async () => {
    await client.query('DROP TABLE IF EXISTS as_text, usual');
    const appended = await load(FILES[name](), 'as_text', { mode: 'append' });
    const upserted = await load(FILES[name](), 'usual', {
      mode: 'upsert',
      key: ['id'],
      duplicateKeys: 'reject',
    });
    await expectLoadedAlike(client, store, appended, upserted, 'id, doc, amount');
    // The two jsonb refusals and the plain text (not JSON) are rejected (invalid_json), the rest loaded.
    expect(appended.counts).toMatchObject({ inserted: ROWS - 3, rejected: 3 });
    const rows = await client.query(
      "SELECT id, (CASE WHEN id = 25006 THEN doc - 'tiny' ELSE doc END)::text AS doc FROM as_text WHERE id IN (25006, 25008, 25012) ORDER BY id",
    );
    expect(rows.rows).toEqual([
      {
        id: 25006,
        doc: '{"e": 100, "n": 1.0, "big": 123456789012345678901234567890, "neg": 0}',
      },
      { id: 25008, doc: '12.50' },
      { id: 25012, doc: '{"a": 2, "__proto__": {"x": 1}}' },
    ]);
  });
});
