import fs from 'node:fs';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { beforeAll, describe, expect, it } from 'vitest';
import { JsonText } from '../../../common/types.ts';
import { runLoad } from '../../runs/run-load.ts';
import { openSource } from '../open-source.ts';
import type { SourceRow } from '../types.ts';
import { mysqlTestBed } from './test-bed.ts';

// Started at collection: a server that cannot be had skips this file's tests, with the reason printed.
const bed = await mysqlTestBed('source', {
  target: true,
  setup: (my) =>
    my.query(`
    SET SESSION sql_mode = '';
    CREATE TABLE typed (
      id INT PRIMARY KEY,
      flag TINYINT(1), small SMALLINT, big BIGINT, ubig BIGINT UNSIGNED, uint INT UNSIGNED,
      dec65 DECIMAL(65,30), dbl DOUBLE, flt FLOAT,
      d DATE, dt DATETIME(6), ts TIMESTAMP(6) NULL,
      js JSON, b1 BIT(1), b5 BIT(5), e ENUM('1','2','three'), st SET('a','b'),
      txt VARCHAR(50), bin VARBINARY(8), tm TIME, yr YEAR
    ) CHARACTER SET utf8mb4;
    INSERT INTO typed VALUES
      (1, 1, -32768, -9223372036854775808, 18446744073709551615, 4294967295,
       '12345678901234567890123456789012345.123456789012345678901234567891', 0.1, 1.5,
       '2024-02-29', '2024-03-05 10:11:12.123456', '2024-03-05 10:11:12.000001',
       '{"big": 12345678901234567890, "x": [1.10, "é"]}', b'1', b'00101', '2', 'a,b',
       'héllo 🦆 wörld', x'00ff10', '838:59:59', 2024),
      (2, 0, 7, 9007199254740993, 9223372036854775808, 0,
       '-0.000000000000000000000000000001', 1e300, -2.5e-7,
       '0000-00-00', '0000-00-00 00:00:00', NULL,
       'null', b'0', b'11111', 'three', '',
       '', x'', '-01:00:00', 1999),
      (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL);
  `),
});

let pgPassword = '';

async function readAll(spec: Parameters<typeof openSource>[0]) {
  const source = await openSource(spec);
  const rows: SourceRow[] = [];
  try {
    for await (const batch of source.rows()) rows.push(...batch);
  } finally {
    await source.close();
  }
  return { source, rows };
}

const load = (spec: Parameters<typeof runLoad>[0], opts: Partial<Parameters<typeof runLoad>[1]> = {}) =>
  runLoad(spec, {
    store: bed.store,
    env: { PGPASSWORD: pgPassword },
    dryRun: false,
    openWarehouse: () => Promise.reject(new Error('not the local warehouse')),
    ...opts,
  });

describe.skipIf(bed.server === null)('MySQL / MariaDB source (real MariaDB)', () => {
  beforeAll(() => {
    const u = new URL(bed.pgUrl);
    pgPassword = decodeURIComponent(u.password);
    u.password = '';
    bed.store.connections.save({ name: 'pg', url: u.toString() });
  });

  it('reads every type exactly, with its declared target type', async () => {
    const { source, rows } = await readAll({ kind: 'mysql', connection: bed.myUrl, table: 'typed' });
    expect(source.format.kind).toBe('mysql');
    expect(source.columns).toEqual([
      'id',
      'flag',
      'small',
      'big',
      'ubig',
      'uint',
      'dec65',
      'dbl',
      'flt',
      'd',
      'dt',
      'ts',
      'js',
      'b1',
      'b5',
      'e',
      'st',
      'txt',
      'bin',
      'tm',
      'yr',
    ]);
    expect(source.columnTypes).toEqual([
      'integer',
      'boolean',
      'integer',
      'bigint',
      'numeric',
      'bigint',
      'numeric',
      'numeric',
      'numeric',
      'date',
      'timestamptz',
      'timestamptz',
      'jsonb',
      'boolean',
      'text',
      'text',
      'text',
      null,
      'text',
      'text',
      'integer',
    ]);
    const [a, b, c] = rows;
    expect(a!.line).toBe(1);
    // TINYINT(1) and BIT(1) are declared boolean and read as the number the server holds (1, 0).
    expect(a!.values).toEqual([
      1,
      1,
      -32768,
      '-9223372036854775808',
      '18446744073709551615',
      4294967295,
      '12345678901234567890123456789012345.123456789012345678901234567891',
      '0.1',
      '1.5',
      '2024-02-29',
      '2024-03-05 10:11:12.123456',
      '2024-03-05T10:11:12.000001Z',
      new JsonText('{"big": 12345678901234567890, "x": [1.10, "é"]}'),
      1,
      '00101',
      '2',
      'a,b',
      'héllo 🦆 wörld',
      '\\x00ff10',
      '838:59:59',
      2024,
    ]);
    expect(b!.values).toEqual([
      2,
      0,
      7,
      '9007199254740993',
      '9223372036854775808',
      0,
      '-0.000000000000000000000000000001',
      `1${'0'.repeat(300)}`,
      '-0.00000025',
      '0000-00-00',
      '0000-00-00 00:00:00.000000',
      null,
      new JsonText('null'),
      0,
      '11111',
      'three',
      '',
      '',
      '\\x',
      '-01:00:00',
      1999,
    ]);
    expect(c!.values).toEqual([3, ...new Array(20).fill(null)]);
    expect(source.placeOf?.(2, { id: 2 })).toEqual({ kind: 'key', key: { id: '2' } });
  });

  it('loads a table into PostgreSQL: exact values, a zero date rejected as zero_date by its key', async () => {
    const outcome = await load({
      source: { kind: 'mysql', connection: bed.myUrl, table: 'typed' },
      columns: [
        { source: 'ubig', type: 'numeric' },
        { source: 'dec65', type: 'numeric' },
        { source: 'd', type: 'date' },
        { source: 'dt', type: 'timestamptz' },
        { source: 'js', type: 'jsonb' },
        { source: 'b5', type: 'text' },
        { source: 'e', type: 'text' },
        { source: 'tm', type: 'text' },
      ],
      format: { timeZone: 'UTC' },
      target: { connection: 'pg', table: 'typed', mode: 'replace' },
      settings: { maxErrorRate: 1 },
    });
    expect(outcome.error).toBeNull();
    expect(outcome.counts).toMatchObject({ read: 3, inserted: 2, rejected: 1 });
    const r = await bed.client.query(
      'SELECT id, ubig::text, dec65::text, d::text, js::text, b5, e, txt FROM typed ORDER BY id',
    );
    expect(r.rows[0]).toEqual({
      id: 1,
      ubig: '18446744073709551615',
      dec65: '12345678901234567890123456789012345.123456789012345678901234567891',
      d: '2024-02-29',
      js: '{"x": [1.10, "é"], "big": 12345678901234567890}',
      b5: '00101',
      e: '2',
      txt: 'héllo 🦆 wörld',
    });
    expect(r.rows[1]!.id).toBe(3);
    const page = bed.store.reports.page(outcome.runId);
    expect(page.rows).toHaveLength(1);
    expect(page.rows[0]!.at).toEqual({ kind: 'key', key: { id: '2' } });
    expect(page.rows[0]!.errors.map((e) => e.reason).sort()).toEqual(['zero_date', 'zero_date']);
    expect(page.rows[0]!.errors[0]!.message).toMatch(/MySQL zero date/);
  });

  it("a text is the database's data: 'NA', '-', '' and spaces at its ends load as they are", async () => {
    await bed.my.query(`CREATE TABLE words (id INT PRIMARY KEY, code VARCHAR(20)) CHARACTER SET utf8mb4;
      INSERT INTO words VALUES (1, 'NA'), (2, ' France '), (3, ''), (4, '-'), (5, 'none'), (6, 'NULL'), (7, NULL)`);
    const outcome = await load({
      source: { kind: 'mysql', connection: bed.myUrl, table: 'words' },
      target: { connection: 'pg', table: 'words', mode: 'replace' },
    });
    expect(outcome.error).toBeNull();
    expect(outcome.counts).toMatchObject({ read: 7, inserted: 7, rejected: 0 });
    const r = await bed.client.query('SELECT id, code FROM words ORDER BY id');
    expect(r.rows.map((x) => x.code)).toEqual(['NA', ' France ', '', '-', 'none', 'NULL', null]);
  });

  it('an incremental load pushes the watermark down: the second run reads only the row at the mark and the new rows', async () => {
    await bed.my.query(`CREATE TABLE events (id INT PRIMARY KEY, at TIMESTAMP(6) NOT NULL, v VARCHAR(20));
      INSERT INTO events VALUES (1, '2024-01-01 00:00:01', 'a'), (2, '2024-01-01 00:00:02', 'b'),
        (3, '2024-01-01 00:00:03', 'c');`);
    const spec = {
      name: 'events-inc',
      source: { kind: 'mysql' as const, connection: bed.myUrl, table: 'events' },
      target: {
        connection: 'pg',
        table: 'events',
        mode: 'incremental' as const,
        key: ['id'],
        watermark: 'at',
      },
    };
    const first = await load(spec);
    expect(first.counts).toMatchObject({ read: 3, inserted: 3 });
    await bed.my.query(
      "INSERT INTO events VALUES (4, '2024-01-01 00:00:04', 'd'), (5, '2024-01-01 00:00:05.5', 'e')",
    );
    const second = await load(spec);
    // Only the row at the mark (compared by key: unchanged) and the two new rows came from the server:
    // nothing was read and then skipped.
    expect(second.counts).toMatchObject({ read: 3, inserted: 2, unchanged: 1, skipped: 0 });
    expect(second.watermark.after).toMatch(/^2024-01-01[ T]00:00:05\.5/);
    const r = await bed.client.query('SELECT count(*)::int AS n FROM events');
    expect(r.rows[0].n).toBe(5);
  });

  it('an incremental load of a query pushes the watermark down around it', async () => {
    const spec = {
      source: { kind: 'mysql' as const, connection: bed.myUrl, query: 'SELECT id, at, v FROM events;' },
      target: {
        connection: 'pg',
        table: 'events_q',
        mode: 'incremental' as const,
        key: ['id'],
        watermark: 'at',
      },
    };
    expect((await load(spec)).counts).toMatchObject({ read: 5, inserted: 5 });
    await bed.my.query("INSERT INTO events VALUES (6, '2024-01-01 00:00:06', 'f')");
    // The row at the mark (5, unchanged) and the new one.
    expect((await load(spec)).counts).toMatchObject({ read: 2, inserted: 1, unchanged: 1, skipped: 0 });
    await bed.my.query('DELETE FROM events WHERE id = 6');
  });

  it('a row without a watermark is read and rejected as missing_watermark on every incremental run', async () => {
    await bed.my.query(`CREATE TABLE nullmark (id INT PRIMARY KEY, at TIMESTAMP(6) NULL, n INT);
      INSERT INTO nullmark VALUES (1, '2024-01-01 00:00:00.123456', 1), (2, NULL, NULL);`);
    const spec = (source: { table: string } | { query: string }, table: string, watermark: string) => ({
      name: `nullmark-${table}`,
      source: { kind: 'mysql' as const, connection: bed.myUrl, ...source },
      target: { connection: 'pg', table, mode: 'incremental' as const, key: ['id'], watermark },
      settings: { maxErrorRate: 1 },
    });
    const specs = [
      spec({ table: 'nullmark' }, 'nullmark_t', 'at'),
      spec({ query: 'SELECT id, at, n FROM nullmark' }, 'nullmark_q', 'n'),
    ];
    const rejected = (runId: string) =>
      bed.store.reports
        .page(runId)
        .rows.map((r) => `${r.errors.map((e) => e.reason).join()} ${JSON.stringify(r.at)}`)
        .sort();
    for (const s of specs) {
      const first = await load(s);
      expect(first.counts).toMatchObject({ read: 2, inserted: 1, rejected: 1 });
    }
    await bed.my.query("INSERT INTO nullmark VALUES (3, '2024-01-01 00:00:00.123457', 3), (5, NULL, NULL)");
    for (const s of specs) {
      const second = await load(s);
      // The row at the mark (compared by key: unchanged), the new row, and both rows without a
      // watermark (the old one again): nothing vanishes.
      expect(second.counts).toMatchObject({ read: 4, inserted: 1, unchanged: 1, rejected: 2, skipped: 0 });
      expect(rejected(second.runId)).toHaveLength(2);
      expect(rejected(second.runId).every((r) => r.startsWith('missing_watermark'))).toBe(true);
    }
  });

  it('a query that writes is refused by the server (only a SELECT is read, as a derived table)', async () => {
    const { source, rows } = await readAll({
      kind: 'mysql',
      connection: bed.myUrl,
      query: 'SELECT id, v FROM events WHERE id <= 2 ORDER BY id',
    });
    expect(rows.map((r) => r.values)).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
    expect(source.placeOf?.(2, { id: 2, v: 'b' })).toEqual({ kind: 'row', row: 2 });
    await expect(
      openSource({
        kind: 'mysql',
        connection: bed.myUrl,
        query: "INSERT INTO events VALUES (9, NOW(), 'x')",
      }),
    ).rejects.toMatchObject({ code: 'SOURCE_FORMAT', message: /must be a single SELECT .*SQL syntax/s });
    const [n] = await bed.my.query('SELECT COUNT(*) AS n FROM events WHERE id = 9');
    expect((n as { n: number }[])[0]!.n).toBe(0);
  });

  it('the statement timeout is a job setting: a slow query is stopped by the server', async () => {
    // The column definitions come first; the server stops the statement while the rows are awaited.
    const failed = await readAll({
      kind: 'mysql',
      connection: bed.myUrl,
      query:
        'SELECT COUNT(*) AS n FROM information_schema.COLUMNS a, information_schema.COLUMNS b, information_schema.COLUMNS c',
      statementTimeoutMs: 300,
    }).catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: 'SOURCE_UNREADABLE', message: /max_statement_time/ });
  });

  it('a refused login or an unknown table fails naming the source, never its password', async () => {
    const bad = new URL(bed.myUrl);
    bad.password = 'wrong-secret-123';
    const refused = await openSource({ kind: 'mysql', connection: bad.toString(), table: 'events' }).catch(
      (e: unknown) => e,
    );
    expect(refused).toMatchObject({ code: 'SOURCE_UNREACHABLE', message: /refused the login/ });
    expect(String((refused as Error).message)).not.toContain('wrong-secret-123');
    expect(String((refused as Error).message)).toContain('***');
    await expect(openSource({ kind: 'mysql', connection: bed.myUrl, table: 'nope' })).rejects.toMatchObject({
      code: 'SOURCE_NOT_FOUND',
      message: /no table nope/,
    });
  });

  it('a source connection killed mid-read fails the run cleanly, naming the source', async () => {
    await bed.my.query(`SET SESSION max_recursive_iterations = 1000000;
      CREATE TABLE big (id INT PRIMARY KEY, v VARCHAR(400));
      INSERT INTO big WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
        SELECT i, CONCAT(REPEAT('x', 300), i) FROM n;`);
    const admin = await mysql.createConnection(bed.server!.url);
    let killed = false;
    const killer = async () => {
      for (let i = 0; i < 600 && !killed; i++) {
        const [list] = await admin.query(
          `SELECT ID AS id FROM information_schema.PROCESSLIST
           WHERE DB = 'loadstone_test_source' AND ID <> CONNECTION_ID() AND ID <> ? AND COMMAND = 'Query'`,
          [bed.my.threadId],
        );
        const id = (list as { id: number }[])[0]?.id;
        if (id !== undefined) {
          await admin.query(`KILL ${id}`);
          killed = true;
          return;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    let kill: Promise<void> | undefined;
    const outcome = await load(
      {
        source: { kind: 'mysql', connection: bed.myUrl, table: 'big' },
        target: { connection: 'pg', table: 'big', mode: 'append' },
      },
      {
        chunkRows: 500,
        onRunCreated: () => {
          kill = killer();
        },
      },
    );
    await kill;
    await admin.end();
    expect(killed).toBe(true);
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.code).toBe('SOURCE_UNREACHABLE');
    expect(outcome.error?.message).toMatch(
      /^mysql mysql:\/\/loadstone:\*\*\*@127\.0\.0\.1:\d+\/loadstone_test_source table big: the source connection was lost/,
    );
    // Rolled back: no --commit-every, so nothing of the failed load is in the table.
    const r = await bed.client.query("SELECT to_regclass('big') AS t");
    expect(r.rows[0].t).toBeNull();
  }, 120_000);

  it('the source password is in no run record, event or report', async () => {
    bed.store.close();
    const password = decodeURIComponent(new URL(bed.myUrl).password);
    const files = fs
      .readdirSync(bed.storeDir)
      .filter((f) => /\.(db|sqlite|wal)|-wal$/.test(f) || f.endsWith('.db'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of fs.readdirSync(bed.storeDir)) {
      const full = path.join(bed.storeDir, f);
      if (!fs.statSync(full).isFile()) continue;
      expect(fs.readFileSync(full).includes(Buffer.from(password)), f).toBe(false);
    }
  });
});
