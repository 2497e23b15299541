import { describe, expect, it } from 'vitest';
import { openSource } from '../open-source.ts';
import { mysqlTestBed } from './test-bed.ts';

// The source pauses its socket while the loader is behind (two batches held, memory bounded). A
// loader that stalls longer than the server's net_write_timeout (60 s by default: a lock held on
// the target table, a long commit) had the server drop the connection mid-read, failing the load
// with "the source connection was lost after 49000 rows (PROTOCOL_CONNECTION_LOST)". Here the
// server's default is cut to 1 s and the reader waits 3 s between two batches.

const ROWS = 30_000;
const FILLER = 1000;
const bed = await mysqlTestBed('paused', {
  // About 30 MB: more than the socket buffers hold, so the server's writes wait on the reader.
  setup: (my) =>
    my.query(`
      CREATE TABLE wide (id INT PRIMARY KEY, filler VARCHAR(${FILLER}));
      INSERT INTO wide SELECT seq, REPEAT(CHAR(97 + seq % 26), ${FILLER}) FROM seq_1_to_${ROWS};
      SET GLOBAL net_write_timeout = 1;
    `),
  teardown: (my) => my.query('SET GLOBAL net_write_timeout = 60'),
});

describe.skipIf(bed.server === null)('MySQL source read paused by a slow loader (real MariaDB)', () => {
  it('a reader that stops for longer than net_write_timeout still gets every row', async () => {
    const source = await openSource({ kind: 'mysql', connection: bed.myUrl, table: 'wide' });
    let read = 0;
    let sum = 0;
    let paused = false;
    try {
      for await (const batch of source.rows()) {
        for (const row of batch) {
          read++;
          sum += row.values[0] as number;
          expect((row.values[1] as string).length).toBe(FILLER);
        }
        if (!paused) {
          paused = true;
          await new Promise((r) => setTimeout(r, 3000));
        }
      }
    } finally {
      await source.close();
    }
    expect(read).toBe(ROWS);
    expect(sum).toBe((ROWS * (ROWS + 1)) / 2);
  });
});
