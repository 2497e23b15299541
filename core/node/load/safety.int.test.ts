import { spawn } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { LoadstoneError } from '../../common/errors.ts';
import type { LoadMode } from '../../common/spec/job-spec.ts';
import type { NormalizedValue, RejectedRow } from '../../common/types.ts';
import { createTestDatabase } from '../pg/test-server.ts';
import { loadIntoPostgres } from './load-into-postgres.ts';
import { batchesOf, inputFor, openClient, rowsFrom, tableRows } from './test-support.ts';
import type { LoadBatch, LoadColumn, LoadInput } from './types.ts';

let url: string;
let client: pg.Client;
let reader: pg.Client;

beforeAll(async () => {
  url = await createTestDatabase(inject('pgUrl'), 'load_safety');
  client = await openClient(url);
  reader = await openClient(url);
});
afterAll(async () => {
  await client?.end();
  await reader?.end();
});

const columns: LoadColumn[] = [
  { name: 'id', type: 'integer' },
  { name: 'label', type: 'text' },
];
const rows = (from: number, to: number): NormalizedValue[][] => {
  const out: NormalizedValue[][] = [];
  for (let i = from; i <= to; i++) out.push([i, `row ${i}`]);
  return out;
};

async function freshTable(name: string, ddlExtra = ''): Promise<void> {
  await client.query(`DROP TABLE IF EXISTS ${name}`);
  await client.query(`CREATE TABLE ${name} (id integer PRIMARY KEY, label text ${ddlExtra})`);
  await client.query(`INSERT INTO ${name} VALUES (1, 'one'), (2, 'two'), (3, 'three')`);
}

const snapshot = async (table: string) => ({
  rows: await tableRows(reader, table),
  columns: (
    await reader.query(
      `SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position`,
      [table],
    )
  ).rows.map((r) => r.column_name),
});

/** Endless rows: the load never ends by itself. */
async function* endless(start = 1000): AsyncGenerator<LoadBatch> {
  let id = start;
  for (;;) {
    const batch = rowsFrom(columns, rows(id + 1, id + 1000), id + 2);
    id += 1000;
    yield { rows: batch, rejectedUpstream: [], rowsRead: id - start };
  }
}

describe('dry run', () => {
  const plans: [LoadMode, Partial<LoadInput>][] = [
    ['append', {}],
    ['replace', {}],
    ['upsert', { key: ['id'] }],
    ['incremental', { key: ['id'], watermark: { column: 'id', after: 2 } }],
  ];
  for (const [mode, extra] of plans) {
    it(`${mode}: reports the plan and leaves the table unchanged`, async () => {
      await freshTable(`dry_${mode}`);
      const before = await snapshot(`dry_${mode}`);
      const values: NormalizedValue[][] = [
        [2, 'two'],
        [3, 'THREE'],
        [4, 'four'],
      ];
      const extended = [...columns, { name: 'extra', type: 'text' } as const];
      const { input } = inputFor(
        client,
        `dry_${mode}`,
        extended,
        batchesOf(
          rowsFrom(
            extended,
            values.map((v) => [...v, 'e']),
          ),
        ),
        {
          mode,
          dryRun: true,
          addMissingColumns: true,
          ...extra,
        },
      );
      const result = await loadIntoPostgres(input);
      const expected = {
        append: { inserted: 1, updated: 0, unchanged: 0, skipped: 0, rejected: 2 }, // ids 2 and 3 exist: primary key
        replace: { inserted: 3, updated: 0, unchanged: 0, skipped: 0, rejected: 0 },
        upsert: { inserted: 1, updated: 2, unchanged: 0, skipped: 0, rejected: 0 }, // extra column changes 2 and 3
        // Mark 2: row 2, at it, is compared by key (the extra column changes it), as is 3; 4 is new.
        incremental: { inserted: 1, updated: 2, unchanged: 0, skipped: 0, rejected: 0 },
      }[mode];
      expect(result).toMatchObject({ ...expected, dryRun: true, addedColumns: ['extra'], committedRows: 0 });
      expect(await snapshot(`dry_${mode}`)).toEqual(before);
    });
  }

  it('a table that did not exist still does not', async () => {
    const { input } = inputFor(client, 'dry_absent', columns, batchesOf(rowsFrom(columns, rows(1, 5))), {
      dryRun: true,
      mode: 'replace',
    });
    expect(await loadIntoPostgres(input)).toMatchObject({ inserted: 5, createdTable: true, dryRun: true });
    const r = await reader.query(`SELECT to_regclass('dry_absent') AS t`);
    expect(r.rows[0].t).toBeNull();
  });
});

describe('cancel', () => {
  it('between chunks: rolls back, the table is unchanged and the connection reusable', async () => {
    await freshTable('cancel_a');
    const controller = new AbortController();
    const { input } = inputFor(client, 'cancel_a', columns, endless(), {
      chunkRows: 2000,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.loaded >= 2000) controller.abort();
      },
    });
    await expect(loadIntoPostgres(input)).rejects.toMatchObject({ code: 'LOAD_CANCELLED' });
    expect((await tableRows(reader, 'cancel_a')).length).toBe(3);
    expect(client.getTransactionStatus()).toBe('I');
    expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('while a COPY waits for data (the source is slow): ends the COPY, rolls back', async () => {
    await freshTable('cancel_c');
    const controller = new AbortController();
    async function* slowSource(): AsyncGenerator<LoadBatch> {
      let n = 0;
      for await (const batch of endless()) {
        if (++n === 3) controller.abort(); // the chunk's COPY is open and half fed
        yield batch;
      }
    }
    const { input } = inputFor(client, 'cancel_c', columns, slowSource(), {
      chunkRows: 50_000,
      signal: controller.signal,
    });
    await expect(loadIntoPostgres(input)).rejects.toMatchObject({ code: 'LOAD_CANCELLED' });
    expect((await tableRows(reader, 'cancel_c')).length).toBe(3);
    expect(client.getTransactionStatus()).toBe('I');
  });

  it('cancels the statement the server is running (pg_cancel_backend)', async () => {
    await freshTable('cancel_b');
    // A trigger that sleeps for ever: the load can only end if the running COPY is cancelled.
    await client.query(
      `CREATE FUNCTION stall() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(3600); RETURN NEW; END $$`,
    );
    await client.query(
      'CREATE TRIGGER stall BEFORE INSERT ON cancel_b FOR EACH ROW EXECUTE FUNCTION stall()',
    );
    const controller = new AbortController();
    const pid = (client as unknown as { processID: number }).processID;
    const watcher = (async () => {
      for (;;) {
        const r = await reader.query(`SELECT wait_event FROM pg_stat_activity WHERE pid = $1`, [pid]);
        if (r.rows[0]?.wait_event === 'PgSleep') return controller.abort();
        await sleep(20);
      }
    })();
    const { input } = inputFor(client, 'cancel_b', columns, batchesOf(rowsFrom(columns, rows(10, 20))), {
      signal: controller.signal,
    });
    await expect(loadIntoPostgres(input)).rejects.toMatchObject({ code: 'LOAD_CANCELLED' });
    await watcher;
    expect((await tableRows(reader, 'cancel_b')).length).toBe(3);
    await client.query('DROP TABLE cancel_b; DROP FUNCTION stall()');
  });
});

describe('lost connection', () => {
  it('is TARGET_UNREACHABLE, and the target is unchanged', async () => {
    await freshTable('lost_t');
    const own = await openClient(url);
    const pid = (own as unknown as { processID: number }).processID;
    let killed = false;
    const { input } = inputFor(own, 'lost_t', columns, endless(), {
      chunkRows: 2000,
      onProgress: (p) => {
        if (!killed && p.loaded >= 2000) {
          killed = true;
          void reader.query('SELECT pg_terminate_backend($1)', [pid]);
        }
      },
    });
    await expect(loadIntoPostgres(input)).rejects.toMatchObject({
      code: 'TARGET_UNREACHABLE',
      message: expect.stringMatching(
        // Where the load was when the kill landed varies (copying, loading the next chunk…), and so
        // does whether the server's FATAL reached the driver before the socket closed (then said).
        /^lost the connection to postgresql:\/\/\S+ while [^:]*lost_t[^:(]*(?: \(the server ended it: [^)]*\))?: PostgreSQL rolls back the load's open transaction, so nothing it wrote stays in lost_t\./,
      ),
    });
    expect((await tableRows(reader, 'lost_t')).length).toBe(3);
    await own.end().catch(() => {});
  });
});

describe('crash', () => {
  it('a load killed with SIGKILL mid-way leaves the target unchanged', async () => {
    await freshTable('crash_t');
    const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'test-fixtures', 'crash-child.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', script, url, 'crash_t'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d) => String(d).includes('LOADED') && resolve());
      child.on('exit', () => reject(new Error(`child ended before loading: ${stderr}`)));
    });
    // Rows have moved inside the child's open transaction; kill it without any chance to clean up.
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(await tableRows(reader, 'crash_t')).toEqual([
      { id: 1, label: 'one' },
      { id: 2, label: 'two' },
      { id: 3, label: 'three' },
    ]);
    // The server rolls the orphaned transaction back as soon as it notices the dead connection.
    for (let i = 0; i < 200; i++) {
      const r = await reader.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND pid <> $1`,
        [(client as unknown as { processID: number }).processID],
      );
      if (r.rows[0].n === 0) break;
      await sleep(50);
    }
    expect((await tableRows(reader, 'crash_t')).length).toBe(3);
  });
});

describe('error threshold', () => {
  const withChecks = "CHECK (label NOT LIKE 'bad%')";
  /** n rows; every tenth one breaks the CHECK. */
  const tenPercentBad = (n: number) =>
    rows(101, 100 + n).map(([id]) => [id, (id as number) % 10 === 0 ? 'bad' : 'ok'] as NormalizedValue[]);

  it('rate exceeded: stops, rolls back, and the rejected rows were already reported', async () => {
    await freshTable('budget_a', withChecks);
    const { input, collected } = inputFor(
      client,
      'budget_a',
      columns,
      batchesOf(rowsFrom(columns, tenPercentBad(10_000)), 500),
      {
        maxErrorRate: 0.05,
        chunkRows: 1000,
      },
    );
    const error = (await loadIntoPostgres(input).catch((e) => e)) as LoadstoneError;
    expect(error.code).toBe('LOAD_ABORTED_ERROR_RATE');
    expect(error.message).toMatch(
      /^load aborted: [\d,]+ of [\d,]+ rows rejected \(\d+(\.\d)?%\) exceeds the maximum error rate 5%; rolled back/,
    );
    expect(error.details?.rejected).toBe(collected.rejected.length);
    expect(collected.rejected.length).toBeGreaterThan(0);
    expect(error.details?.rowsRead).toBeLessThan(10_000); // stopped early, not at the end
    expect((await tableRows(reader, 'budget_a')).length).toBe(3);
  });

  it('one bad row among the first three does not abort a large load', async () => {
    await freshTable('budget_b');
    const upstream: RejectedRow[] = [
      {
        line: 3,
        stage: 'normalize',
        raw: { id: 'x' },
        errors: [{ column: 'id', value: 'x', reason: 'invalid_integer', message: 'not a number' }],
      },
    ];
    const { input, collected } = inputFor(
      client,
      'budget_b',
      columns,
      batchesOf(rowsFrom(columns, rows(10, 5009)), 2, upstream),
      {
        maxErrorRate: 0.05,
      },
    );
    const result = await loadIntoPostgres(input);
    expect(result).toMatchObject({ inserted: 5000, rejected: 1, rowsRead: 5001 });
    expect(collected.rejected).toEqual(upstream);
  });

  it('a small file is judged at the end', async () => {
    await freshTable('budget_c');
    const upstream: RejectedRow[] = [
      {
        line: 2,
        stage: 'parse',
        raw: {},
        errors: [{ column: null, value: null, reason: 'too_few_fields', message: 'x' }],
      },
    ];
    const { input } = inputFor(
      client,
      'budget_c',
      columns,
      batchesOf(rowsFrom(columns, rows(10, 11)), 10, upstream),
      { maxErrorRate: 0.05 },
    );
    await expect(loadIntoPostgres(input)).rejects.toMatchObject({
      code: 'LOAD_ABORTED_ERROR_RATE',
      message: expect.stringContaining('1 of 3 rows rejected (33.3%)'),
    });
    expect((await tableRows(reader, 'budget_c')).length).toBe(3);
  });

  it('maxErrors: more rejected rows than allowed', async () => {
    await freshTable('budget_d', withChecks);
    const { input } = inputFor(
      client,
      'budget_d',
      columns,
      batchesOf(rowsFrom(columns, tenPercentBad(100))),
      { maxErrors: 5 },
    );
    await expect(loadIntoPostgres(input)).rejects.toMatchObject({
      code: 'LOAD_ABORTED_ERROR_RATE',
      message: expect.stringContaining('6 rows rejected exceeds the maximum of 5 rejected rows'),
    });
  });
});

describe('commitEvery', () => {
  it('commits every N rows: other sessions see them while the load goes on', async () => {
    await freshTable('commit_a');
    const seen: number[] = [];
    async function* watched(): AsyncGenerator<LoadBatch> {
      for await (const batch of batchesOf(rowsFrom(columns, rows(10, 3509)), 500)) {
        seen.push((await reader.query('SELECT count(*)::int - 3 AS n FROM commit_a')).rows[0].n);
        yield batch;
      }
    }
    const { input, collected } = inputFor(client, 'commit_a', columns, watched(), {
      commitEvery: 1000,
      chunkRows: 400,
    });
    const result = await loadIntoPostgres(input);
    expect(result).toMatchObject({ inserted: 3500, committedRows: 3500 });
    // A chunk completes (and commits) in the background while the next rows are read, so a commit
    // is visible to others at the latest one batch after its last row was read, and never partly.
    expect(seen).toHaveLength(7);
    for (const [i, n] of seen.entries()) {
      const read = i * 500; // rows read before batch i
      expect(n % 1000).toBe(0);
      expect(n).toBeLessThanOrEqual(Math.floor(read / 1000) * 1000);
      expect(n).toBeGreaterThanOrEqual(Math.floor(Math.max(0, read - 500) / 1000) * 1000);
    }
    expect(collected.progress.at(-1)).toMatchObject({
      phase: 'done',
      loaded: 3500,
      committedRows: 3500,
      rowsRead: 3500,
    });
  });

  it('on a failure after some commits, committed rows stay and the rest is rolled back', async () => {
    await freshTable('commit_b', "CHECK (label <> 'bad')");
    const values = rows(10, 3509);
    values[2600] = [2610, 'bad'];
    const { input } = inputFor(client, 'commit_b', columns, batchesOf(rowsFrom(columns, values), 300), {
      commitEvery: 1000,
      chunkRows: 400,
      maxErrors: 0,
    });
    await expect(loadIntoPostgres(input)).rejects.toMatchObject({
      code: 'LOAD_ABORTED_ERROR_RATE',
      details: expect.objectContaining({ committedRows: 2000 }),
      message: expect.stringContaining('2,000 rows committed earlier (commitEvery) stay'),
    });
    expect((await tableRows(reader, 'commit_b')).length).toBe(3 + 2000);
  });
});
