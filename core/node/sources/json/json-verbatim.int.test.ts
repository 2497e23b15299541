import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseJobSpec } from '../../../common/spec/job-spec.ts';
import { createTestDatabase } from '../../pg/test-server.ts';
import { planJob } from '../../pipeline/plan-job.ts';
import { offerVerbatim } from '../../pipeline/verbatim.ts';
import { runLoad } from '../../runs/run-load.ts';
import { expectLoadedAlike, readOffered } from '../../runs/verbatim-test-support.ts';
import { openStore, type RunStore } from '../../store/open-store.ts';
import { tempDir, testSecretStore } from '../../store/test-fixtures/support.ts';
import {
  cleanRecord,
  JSON_VERBATIM_COLUMN_SPECS,
  JSON_VERBATIM_COLUMNS,
  ODD_RECORDS,
} from './json-verbatim-fixtures.ts';

// Records of a JSON array file written straight into COPY text (json-copy-rows.ts, through the record
// splitter): what lands in the target must be what the usual parse → normalize → encode path loads,
// value for value and reject for reject, record numbers included (an element that is not an object
// in between), in a top-level array and in one at a records path.

const TOTAL = 30_000;
const dir = tempDir();
const arrayFile = join(dir, 'orders.json');
const nestedFile = join(dir, 'nested.json');
const brokenFile = join(dir, 'broken.json');
let url = '';
let client: pg.Client;
let store: RunStore;

/** The elements: clean records, a number after the 20,000th, then the odd records. */
function elements(): string[] {
  const out: string[] = [];
  for (let n = 1; n <= TOTAL; n++) {
    out.push(cleanRecord(n));
    if (n === 20_000) out.push('12');
  }
  return out.concat(ODD_RECORDS);
}

beforeAll(async () => {
  url = await createTestDatabase(inject('pgUrl'), 'json_verbatim');
  client = new pg.Client({ connectionString: url });
  await client.connect();
  store = openStore(tempDir(), { secretStore: testSecretStore() });
  const all = elements();
  writeFileSync(arrayFile, `[\n${all.join(',\n')}\n]\n`);
  writeFileSync(
    nestedFile,
    `{"meta": {"next": null, "n": [1, 2]}, "data": [${all.join(', ')}], "total": ${all.length}}`,
  );
  const clean = all.slice(0, 25_000);
  writeFileSync(brokenFile, `[${clean.join(',\n')},\n{"id": oops}]`);
});
afterAll(async () => {
  store?.close();
  await client?.end();
});

/** Record number `n` of the clean records: the number element after the 20,000th counts as one. */
const recordNumber = (n: number) => n + (n > 20_000 ? 1 : 0);

const SPEC = (path: string, table: string, target: Record<string, unknown> = {}, records?: string) =>
  parseJobSpec({
    source: { path, ...(records ? { records } : {}) },
    target: { connection: url, table, ...target },
    format: { timeZone: 'UTC' },
    columns: [...JSON_VERBATIM_COLUMN_SPECS],
    settings: { sampleSize: 50, maxErrorRate: 1 },
  });

const load = (path: string, table: string, target: Record<string, unknown>, records?: string) =>
  runLoad(SPEC(path, table, target, records), {
    store,
    env: {},
    dryRun: false,
    openWarehouse: () => Promise.reject(new Error('not the local warehouse')),
  });

describe('JSON array records sent as COPY text', () => {
  it('come in runs of consecutive records, each reading back into its cells', async () => {
    for (const [path, records] of [
      [arrayFile, undefined],
      [nestedFile, 'data'],
    ] as const) {
      const offered = await readOffered(await planJob(SPEC(path, 'unused', {}, records)));
      for (const { line, cells } of offered.verbatim) {
        expect(cells).toHaveLength(7);
        expect(recordNumber(Number(String(cells[0])))).toBe(line);
      }
      expect(offered.verbatim.length).toBeGreaterThan(15_000);
      expect(offered.verbatim.length + offered.usual.length).toBe(TOTAL + 1 + ODD_RECORDS.length);
    }
  });

  it('load exactly what the usual path loads, rejects on the same records', async () => {
    for (const [path, records, suffix] of [
      [arrayFile, undefined, 'top'],
      [nestedFile, 'data', 'nested'],
    ] as const) {
      await client.query('DROP TABLE IF EXISTS as_text, usual');
      const appended = await load(path, 'as_text', { mode: 'append' }, records);
      const upserted = await load(
        path,
        'usual',
        { mode: 'upsert', key: ['id'], duplicateKeys: 'reject' },
        records,
      );
      await expectLoadedAlike(client, store, appended, upserted, JSON_VERBATIM_COLUMNS);
      expect(appended.counts.rejected, suffix).toBeGreaterThan(0);
    }
  });

  it('a syntax error after runs of COPY text: every record before it comes out, the error says where', async () => {
    const job = await planJob(SPEC(brokenFile, 'unused'));
    const targets = job.source.columns.map(() => ({ base: null, rounds: false }));
    expect(offerVerbatim(job.source, job.plans, targets)).toBe(true);
    let records = 0;
    let verbatim = 0;
    let failure: unknown;
    try {
      for await (const batch of job.rows()) {
        for (const row of batch) {
          records += row.rows ?? 1;
          if (row.verbatim) verbatim += row.rows ?? 1;
        }
      }
    } catch (error) {
      failure = error;
    } finally {
      await job.source.close();
    }
    expect(String(failure)).toContain('invalid JSON at line 25001, column 8 (after record 25000)');
    expect(records).toBe(25_000);
    expect(verbatim).toBeGreaterThan(10_000);
  });
});
