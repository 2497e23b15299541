import { describe, expect, it } from 'vitest';
import { runLoad } from '../../runs/run-load.ts';
import { runOptions } from '../../runs/verbatim-test-support.ts';
import { mysqlTestBed } from './test-bed.ts';

// A MySQL DATETIME loaded into a text column kept the ISO form the source made of it
// ('2024-01-02T03:04:05'); the operator sees '2024-01-02 03:04:05' in MySQL, with the fraction
// digits the column declares. The source now hands the server's own text on; the timestamp rules
// read it the same (a timestamptz column loads the same instants as before).

const ROWS = 3000;
const bed = await mysqlTestBed('datetime_text', {
  target: true,
  setup: async (my) => {
    await my.query(`SET SESSION sql_mode = '';
      CREATE TABLE stamps (id INT PRIMARY KEY, d0 DATETIME, d3 DATETIME(3), d6 DATETIME(6));
      INSERT INTO stamps VALUES (1, '2024-01-02 03:04:05', '2024-01-02 03:04:05.12', '2024-01-02 03:04:05.000001'),
        (2, '0000-00-00 00:00:00', NULL, '1999-12-31 23:59:59.5');
      INSERT INTO stamps SELECT seq, '2024-05-06 07:08:09', '2024-05-06 07:08:09', '2024-05-06 07:08:09.25'
        FROM seq_3_to_${ROWS};`);
  },
});

const load = (table: string, columns: unknown[], target: Record<string, unknown> = {}) =>
  runLoad(
    {
      source: { kind: 'mysql', connection: bed.myUrl, table: 'stamps' },
      columns,
      format: { timeZone: 'UTC' },
      target: { connection: bed.pgUrl, table, ...target },
      settings: { sampleSize: 50, maxErrorRate: 1 },
    } as never,
    runOptions(bed.store),
  );

const rows = async (table: string, cast = '') =>
  (
    await bed.client.query(
      `SELECT id, d0${cast} AS d0, d3${cast} AS d3, d6${cast} AS d6 FROM ${table} WHERE id IN (1, 2, ${ROWS}) ORDER BY id`,
    )
  ).rows;

describe.skipIf(bed.server === null)('MySQL DATETIME loaded as text (real MariaDB)', () => {
  it("typed text in the job, a DATETIME loads as MySQL's text, fraction as declared", async () => {
    const asText = ['d0', 'd3', 'd6'].map((source) => ({ source, type: 'text' }));
    const outcome = await load('typed_text', asText);
    expect(outcome.error ?? null).toBeNull();
    expect(outcome.counts).toMatchObject({ read: ROWS, inserted: ROWS, rejected: 0 });
    expect(await rows('typed_text')).toEqual([
      { id: 1, d0: '2024-01-02 03:04:05', d3: '2024-01-02 03:04:05.120', d6: '2024-01-02 03:04:05.000001' },
      // As text, MySQL's zero date is the text MySQL shows.
      { id: 2, d0: '0000-00-00 00:00:00', d3: null, d6: '1999-12-31 23:59:59.500000' },
      {
        id: ROWS,
        d0: '2024-05-06 07:08:09',
        d3: '2024-05-06 07:08:09.000',
        d6: '2024-05-06 07:08:09.250000',
      },
    ]);
  });

  it('as its declared type, the same instants as before; the zero date rejected as zero_date', async () => {
    const outcome = await load('declared', []);
    expect(outcome.error ?? null).toBeNull();
    expect(outcome.counts).toMatchObject({ read: ROWS, inserted: ROWS - 1, rejected: 1 });
    expect(await rows('declared', '::text')).toEqual([
      {
        id: 1,
        d0: '2024-01-02 03:04:05+00',
        d3: '2024-01-02 03:04:05.12+00',
        d6: '2024-01-02 03:04:05.000001+00',
      },
      {
        id: ROWS,
        d0: '2024-05-06 07:08:09+00',
        d3: '2024-05-06 07:08:09+00',
        d6: '2024-05-06 07:08:09.25+00',
      },
    ]);
    const [rejected] = bed.store.reports.page(outcome.runId).rows;
    expect(rejected!.at).toEqual({ kind: 'key', key: { id: '2' } });
    expect(rejected!.errors.map((e) => [e.column, e.reason])).toEqual([['d0', 'zero_date']]);
    expect(rejected!.raw).toMatchObject({ d0: '0000-00-00 00:00:00' });
  });
});
