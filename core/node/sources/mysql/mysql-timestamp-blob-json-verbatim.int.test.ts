import { describe, expect, it } from 'vitest';
import { parseJobSpec } from '../../../common/spec/job-spec.ts';
import { planJob } from '../../pipeline/plan-job.ts';
import { runLoad } from '../../runs/run-load.ts';
import { expectLoadedAlike, readOffered, runOptions } from '../../runs/verbatim-test-support.ts';
import { mysqlTestBed } from './test-bed.ts';

// A MySQL TIMESTAMP (a UTC time, read in a +00:00 session), the byte columns (BLOB, BINARY,
// VARBINARY, read as the text `\x` + hex), JSON and BIT(1) (a boolean) no longer send every row of the table the usual
// way: each value is written as COPY text, a TIMESTAMP as its UTC time without a zone (the load's UTC
// session reads that instant, whatever the job's zone), the bytes as their `\x` hex text, a JSON
// document as its text. A zero TIMESTAMP and a document with `\u0000` go the usual way, which rejects
// them (zero_date, invalid_json). What lands must be what the usual path loads.

const ROWS = 20_000;
const bed = await mysqlTestBed('stamps', {
  target: true,
  setup: async (my) => {
    await my.query(`
    SET SESSION sql_mode = '', time_zone = '+00:00';
    CREATE TABLE stamps (id INT PRIMARY KEY, at TIMESTAMP(6) NULL, blob_col BLOB, bin VARBINARY(16), doc JSON, flag BIT(1));
    INSERT INTO stamps VALUES (15001, '0000-00-00 00:00:00', NULL, NULL, NULL, NULL), (15002, NULL, '', x'', '[]', 1),
      (15003, '2024-01-01 00:00:00', x'00', x'00', '{"bad": "nul \\\\u0000"}', 0);
  `);
    const rows = [];
    for (let n = 1; n <= ROWS; n++) {
      if (n >= 15001 && n <= 15003) continue;
      const at = new Date(Date.UTC(2024, 0, 1, 0, 0, n)).toISOString().slice(0, 19).replace('T', ' ');
      const fraction = n % 3 === 0 ? '' : n % 3 === 1 ? '.5' : '.123456';
      const bytes = Buffer.from([n & 0xff, (n >> 8) & 0xff, 0x5c, 0x09, 0x0a]);
      const doc = JSON.stringify({
        n,
        big: '12345678901234567890',
        s: `tab\tq"\\ é ${n}`,
        tags: ['a', n % 3],
      });
      rows.push([n, `${at}${fraction}`, bytes, n % 4 === 0 ? null : bytes.subarray(0, 2), doc, n % 2]);
    }
    for (let from = 0; from < rows.length; from += 5000) {
      await my.query('INSERT INTO stamps VALUES ?', [rows.slice(from, from + 5000)]);
    }
  },
});

const load = (table: string, target: Record<string, unknown>, timeZone = 'UTC') =>
  runLoad(
    {
      source: { kind: 'mysql', connection: bed.myUrl, table: 'stamps' },
      target: { connection: bed.pgUrl, table, ...target },
      format: { timeZone },
      settings: { sampleSize: 50, maxErrorRate: 1 },
    } as never,
    runOptions(bed.store),
  );

describe.skipIf(bed.server === null)(
  'MySQL TIMESTAMP, byte, JSON and BIT(1) columns as COPY text (real MariaDB)',
  () => {
    it('come as COPY text, a zero TIMESTAMP the usual way, in any job zone', async () => {
      for (const timeZone of ['UTC', 'Europe/Paris']) {
        const job = await planJob(
          parseJobSpec({
            source: { kind: 'mysql', connection: bed.myUrl, table: 'stamps' },
            target: { connection: bed.pgUrl, table: 'unused' },
            format: { timeZone },
            settings: { sampleSize: 50 },
          } as never),
        );
        const offered = await readOffered(job);
        const verbatim = offered.verbatim.map(({ cells }) => Number(cells[0]));
        const after = Math.min(...verbatim);
        // A zero TIMESTAMP, and a JSON document with a \u0000 (which jsonb refuses).
        expect(offered.usual.map((cells) => Number(cells[0])).filter((id) => id > after)).toEqual([
          15001, 15003,
        ]);
        expect(verbatim.length + offered.usual.length).toBe(ROWS);
        const row = offered.verbatim.find(({ cells }) => Number(cells[0]) === 15_004)!;
        expect(row.cells.slice(0, 4)).toEqual([15004, '2024-01-01T04:10:04.500000Z', '\\x9c3a5c090a', null]);
        expect(row.cells[5]).toBe(0);
        expect(JSON.parse(JSON.stringify(row.cells[4]))).toEqual({
          n: 15004,
          big: '12345678901234567890',
          s: 'tab\tq"\\ é 15004',
          tags: ['a', 1],
        });
        const empty = offered.verbatim.find(({ cells }) => Number(cells[0]) === 15_002)!;
        expect(empty.cells).toEqual([15002, null, '\\x', '\\x', expect.anything(), 1]);
      }
    });

    it.each([
      ['a new table', null, 'UTC'],
      [
        'timestamp and bytea-as-text columns',
        'at timestamp, blob_col text, bin varchar(40), doc jsonb, flag boolean',
        'UTC',
      ],
      [
        'timestamptz(3), in another job zone',
        'at timestamptz(3), blob_col text, bin text, doc jsonb, flag boolean',
        'Europe/Paris',
      ],
    ])('load what the usual path loads into %s', async (_, columns, timeZone) => {
      await bed.client.query('DROP TABLE IF EXISTS as_text, usual');
      if (columns) {
        await bed.client.query(
          `CREATE TABLE as_text (id int4, ${columns}); CREATE TABLE usual (id int4 PRIMARY KEY, ${columns})`,
        );
      }
      const appended = await load('as_text', { mode: 'append' }, timeZone);
      const upserted = await load(
        'usual',
        { mode: 'upsert', key: ['id'], duplicateKeys: 'reject' },
        timeZone,
      );
      await expectLoadedAlike(bed.client, bed.store, appended, upserted, 'id, at, blob_col, bin, doc, flag');
      expect(appended.counts.inserted + appended.counts.rejected).toBe(ROWS);
      // The zero TIMESTAMP (zero_date) and the \u0000 (invalid_json), at least.
      expect(appended.counts.rejected).toBeGreaterThanOrEqual(2);
    });
  },
);
