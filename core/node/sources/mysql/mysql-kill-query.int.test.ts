import { describe, expect, it } from 'vitest';
import { EXIT, exitCodeFor } from '../../cli/exit-codes.ts';
import { openSource } from '../open-source.ts';
import { mysqlTestBed } from './test-bed.ts';

// A query killed on the server mid-read (`KILL QUERY <id>`: an administrator, or a tool that kills
// long-running queries) read "the server refused the statement: Query execution was interrupted"
// (SOURCE_UNREADABLE, exit 2), as if the query were wrong, and without saying how far the read got.
// It now says what happened and after how many rows, as a failure mid-read: SOURCE_UNREACHABLE (exit 4).

const ROWS = 100_000;
const bed = await mysqlTestBed('kill_query', {
  // About 30 MB: more than the socket buffers hold, so the server is still sending when it is killed.
  setup: (my) =>
    my.query(`CREATE TABLE big (id INT PRIMARY KEY, v VARCHAR(400));
      INSERT INTO big SELECT seq, CONCAT(REPEAT('x', 300), seq) FROM seq_1_to_${ROWS};`),
});

describe.skipIf(bed.server === null)('MySQL query killed on the server (real MariaDB)', () => {
  it('says the query was killed after N rows, a failure mid-read (exit 4)', async () => {
    const source = await openSource({ kind: 'mysql', connection: bed.myUrl, table: 'big' });
    let read = 0;
    let failure: unknown;
    try {
      const rows = source.rows()[Symbol.asyncIterator]();
      // The first batch read: the server is sending rows, paused while the reader is behind.
      read += (await rows.next()).value.length;
      const [list] = await bed.my.query(
        `SELECT ID AS id FROM information_schema.PROCESSLIST
          WHERE DB = DATABASE() AND ID <> CONNECTION_ID() AND INFO LIKE 'SELECT * FROM \`big\`%'`,
      );
      const ids = (list as { id: number }[]).map((r) => r.id);
      expect(ids).toHaveLength(1);
      await bed.my.query(`KILL QUERY ${ids[0]}`);
      for (;;) {
        const next = await rows.next();
        if (next.done) break;
        read += next.value.length;
      }
    } catch (error) {
      failure = error;
    } finally {
      await source.close();
    }
    expect(read).toBeGreaterThan(0);
    expect(read).toBeLessThan(ROWS);
    const error = failure as { code: string; message: string };
    expect(error.code).toBe('SOURCE_UNREACHABLE');
    expect(exitCodeFor('SOURCE_UNREACHABLE')).toBe(EXIT.target);
    expect(error.message).toMatch(
      new RegExp(
        `^mysql mysql://loadstone:\\*\\*\\*@127\\.0\\.0\\.1:\\d+/loadstone_test_kill_query table big: ` +
          `the query was killed on the server after ${read} rows \\(KILL QUERY; the server said: Query execution was interrupted\\)$`,
      ),
    );
    // The connection survived the kill: the same server still answers.
    const [ok] = await bed.my.query('SELECT COUNT(*) AS n FROM big');
    expect((ok as { n: number }[])[0]!.n).toBe(ROWS);
  });
});
