import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseJobSpec } from '../../../common/spec/job-spec.ts';
import { createTestDatabase } from '../../pg/test-server.ts';
import { planJob } from '../../pipeline/plan-job.ts';
import { runLoad } from '../../runs/run-load.ts';
import { expectLoadedAlike, readOffered } from '../../runs/verbatim-test-support.ts';
import { openStore, type RunStore } from '../../store/open-store.ts';
import { tempDir, testSecretStore } from '../../store/test-fixtures/support.ts';
import {
  cleanRecord,
  JSON_VERBATIM_COLUMN_SPECS,
  JSON_VERBATIM_COLUMNS,
  ODD_RECORDS,
} from '../json/json-verbatim-fixtures.ts';

// Lines of an NDJSON file written straight into COPY text (json/json-copy-rows.ts): what lands in the
// target must be what the usual parse → normalize → encode path loads, value for value and reject for
// reject, line numbers included (blank lines, CRLF endings, a bad line in between).

const TOTAL = 30_000;
const file = join(tempDir(), 'orders.ndjson');
let url = '';
let client: pg.Client;
let store: RunStore;

beforeAll(async () => {
  url = await createTestDatabase(inject('pgUrl'), 'ndjson_verbatim');
  client = new pg.Client({ connectionString: url });
  await client.connect();
  store = openStore(tempDir(), { secretStore: testSecretStore() });
  const lines: string[] = [];
  for (let n = 1; n <= TOTAL; n++) {
    lines.push(n % 1000 === 0 ? `${cleanRecord(n)}\r` : cleanRecord(n));
    if (n % 2500 === 0) lines.push('');
    if (n === 20_000) lines.push('{"id": not json');
  }
  lines.push(...ODD_RECORDS);
  writeFileSync(file, `${lines.join('\n')}\n`);
});
afterAll(async () => {
  store?.close();
  await client?.end();
});

/** The line record `n` is on: after each 2,500th record a blank line, after the 20,000th a bad one. */
const physicalLine = (n: number) => n + Math.floor((n - 1) / 2500) + (n > 20_000 ? 1 : 0);

const SPEC = (table: string, target: Record<string, unknown> = {}) =>
  parseJobSpec({
    source: { path: file },
    target: { connection: url, table, ...target },
    format: { timeZone: 'UTC' },
    columns: [...JSON_VERBATIM_COLUMN_SPECS],
    settings: { sampleSize: 50, maxErrorRate: 1 },
  });

const load = (table: string, target: Record<string, unknown>) =>
  runLoad(SPEC(table, target), {
    store,
    env: {},
    dryRun: false,
    openWarehouse: () => Promise.reject(new Error('not the local warehouse')),
  });

describe('NDJSON lines sent as COPY text', () => {
  it('come in runs of consecutive lines, each reading back into its cells', async () => {
    const offered = await readOffered(await planJob(SPEC('unused')));
    for (const { line, cells } of offered.verbatim) {
      expect(cells).toHaveLength(7);
      // Each row of a run is on the physical line the run says (blank and bad lines skipped).
      expect(physicalLine(Number(String(cells[0])))).toBe(line);
    }
    expect(offered.verbatim.length).toBeGreaterThan(15_000);
    expect(offered.verbatim.length + offered.usual.length).toBe(TOTAL + 1 + ODD_RECORDS.length);
  });

  it('load exactly what the usual path loads, rejects on the same lines', async () => {
    const appended = await load('as_text', { mode: 'append' });
    const upserted = await load('usual', { mode: 'upsert', key: ['id'], duplicateKeys: 'reject' });
    await expectLoadedAlike(client, store, appended, upserted, JSON_VERBATIM_COLUMNS);
    expect(appended.counts.rejected).toBeGreaterThan(0);
  });
});
