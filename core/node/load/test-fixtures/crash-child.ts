/**
 * Child process for the crash test: loads an endless stream into a table and prints `LOADED`
 * once rows have moved, then keeps loading until the parent kills it with SIGKILL.
 * Usage: node --import tsx crash-child.ts <url> <table>
 */
import { loadIntoPostgres } from '../load-into-postgres.ts';
import { openClient } from '../test-support.ts';
import type { LoadBatch } from '../types.ts';

const [url, table] = process.argv.slice(2);
const client = await openClient(url!);

async function* endless(): AsyncGenerator<LoadBatch> {
  let id = 1000;
  for (;;) {
    const rows = [];
    for (let i = 0; i < 1000; i++) {
      id++;
      rows.push({ line: id, values: [id, `row ${id}`], raw: {} });
    }
    yield { rows, rejectedUpstream: [], rowsRead: id };
  }
}

let told = false;
await loadIntoPostgres({
  client,
  table: table!,
  columns: [
    { name: 'id', type: 'integer' },
    { name: 'label', type: 'text' },
  ],
  mode: 'append',
  duplicateKeys: 'last',
  addMissingColumns: false,
  dryRun: false,
  maxErrorRate: 1,
  chunkRows: 5000,
  batches: endless(),
  onRejected: () => {},
  onProgress: (p) => {
    if (!told && p.loaded >= 5000) {
      told = true;
      process.stdout.write('LOADED\n');
    }
  },
});
