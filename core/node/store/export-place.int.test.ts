import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { exportLayout } from '../../common/export-format.ts';
import type { JobSpecInput } from '../../common/spec/job-spec.ts';
import { createTestDatabase } from '../pg/test-server.ts';
import { runLoad } from '../runs/run-load.ts';
import { json, startApi } from '../sources/http/test-api-server.ts';
import { exportReport } from './export.ts';
import { openStore, type RunStore } from './open-store.ts';
import { tempDir, testSecretStore } from './test-fixtures/support.ts';

// The CSV error report says where a record of an API or a database came from, as JSON and NDJSON
// do with `at`: the page, its record and the page's URL (masked); a row's key. The report's own
// trailing columns stay last, so the file is still recognised as a Loadstone export.

let url = '';
let store: RunStore;
const dir = tempDir();

beforeAll(async () => {
  url = await createTestDatabase(inject('pgUrl'), 'export_place');
  store = openStore(tempDir(), { secretStore: testSecretStore() });
});
afterAll(() => store?.close());

const load = async (spec: JobSpecInput) => {
  const outcome = await runLoad(spec as Parameters<typeof runLoad>[0], {
    store,
    env: {},
    dryRun: false,
    openWarehouse: () => Promise.reject(new Error('not the local warehouse')),
  });
  expect(outcome.status).toBe('succeeded');
  return outcome.runId;
};

/** The CSV report of `runId` as rows of cells (no quoted commas or line breaks in these tests). */
async function csv(runId: string): Promise<string[][]> {
  const file = join(dir, `${runId}.csv`);
  await exportReport(store, runId, 'csv', file);
  return readFileSync(file, 'utf8')
    .trimEnd()
    .split('\r\n')
    .map((line) => line.split(','));
}

describe('the CSV error report names where an API or database record came from', () => {
  it('an HTTP API run: at_page, at_record, at_url (masked) before the report columns', async () => {
    const api = await startApi((req, res) => {
      const page = Number(req.url.searchParams.get('page'));
      const items =
        page === 1
          ? [
              { id: 1, n: '1' },
              { id: 2, n: 'two' },
            ]
          : page === 2
            ? [{ id: 3, n: 'three' }]
            : [];
      json(res, { items });
    });
    try {
      const runId = await load({
        source: {
          kind: 'http',
          url: `${api.url}/items?region=eu`,
          records: 'items',
          pagination: { type: 'pageNumber' },
        },
        columns: [{ source: 'n', type: 'integer' }],
        target: { connection: url, table: 'api_place', mode: 'append' },
        settings: { maxErrorRate: 1 },
      });
      const [header, ...rows] = await csv(runId);
      expect(header).toEqual([
        'id',
        'n',
        'at_page',
        'at_record',
        'at_url',
        'line',
        'stage',
        'column',
        'reason',
        'message',
      ]);
      expect(rows.map((r) => r.slice(0, 6))).toEqual([
        ['2', 'two', '1', '2', `${api.url}/items?region=***&page=***`, '2'],
        ['3', 'three', '2', '1', `${api.url}/items?region=***&page=***`, '3'],
      ]);
      expect(exportLayout(header!)).toEqual({ kind: 'report', sourceColumns: 5 });
    } finally {
      await api.close();
    }
  });

  it('a database run: at_key (name=value, a composite key in its order); a file run is unchanged', async () => {
    const file = join(dir, 'crm.db');
    const db = new Database(file);
    db.exec(`CREATE TABLE lines (region TEXT, id INTEGER, qty INTEGER, PRIMARY KEY (region, id));
      INSERT INTO lines VALUES ('eu', 1, 5), ('eu', 2, 'eleven'), ('us', 7, 'x')`);
    db.close();
    const runId = await load({
      source: { kind: 'sqlite', path: file, table: 'lines' },
      target: { connection: url, table: 'db_place', mode: 'append' },
      settings: { maxErrorRate: 1 },
    });
    const [header, ...rows] = await csv(runId);
    expect(header).toEqual(['region', 'id', 'qty', 'at_key', 'line', 'stage', 'column', 'reason', 'message']);
    // `region=eu, id=2` holds a comma: quoted in the file.
    const text = readFileSync(join(dir, `${runId}.csv`), 'utf8');
    expect(text).toContain('eu,2,eleven,"region=eu, id=2",2,normalize,qty,invalid_integer,');
    expect(text).toContain('us,7,x,"region=us, id=7",3,normalize,qty,invalid_integer,');
    expect(rows).toHaveLength(2);

    // A file's report keeps its columns exactly: its line says where the row is.
    const csvFile = join(dir, 'f.csv');
    writeFileSync(csvFile, 'id,qty\n1,5\n2,eleven\n');
    const fileRun = await load({
      source: { path: csvFile },
      columns: [{ source: 'qty', type: 'integer' }],
      target: { connection: url, table: 'file_place', mode: 'append' },
      settings: { maxErrorRate: 1 },
    });
    expect((await csv(fileRun))[0]).toEqual(['id', 'qty', 'line', 'stage', 'column', 'reason', 'message']);
  });
});
