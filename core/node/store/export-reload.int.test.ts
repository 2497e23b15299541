import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../pg/test-server.ts';

// Issue 13 §5, through the real `loadstone` command and a real PostgreSQL: the error report's CSV
// neutralises formula signs (full-width and small ones too), and loading that file back removes
// exactly the guards the export added; an ordinary file's leading `'` stays data.

const BIN = fileURLToPath(new URL('../../../bin/loadstone.mjs', import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loadstone-reload-'));
let url = '';
let db: pg.Client;

beforeAll(async () => {
  url = await createTestDatabase(inject('pgUrl'), 'export_reload');
  db = new pg.Client({ connectionString: url });
  await db.connect();
});

afterAll(async () => {
  await db?.end();
  fs.rmSync(dir, { recursive: true, force: true });
});

function loadstone(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        cwd: dir,
        env: {
          ...process.env,
          LOADSTONE_HOME: path.join(dir, 'data'),
          PGPASSFILE: path.join(dir, 'no-pgpass'),
        },
      },
      (error, stdout, stderr) => {
        resolve({
          code: error ? Number((error as { code?: number }).code ?? 1) : 0,
          out: stdout,
          err: stderr,
        });
      },
    );
  });
}

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

/** Formula-like notes, each on a row whose amount is bad, so every one reaches the report. */
const NOTES = ['=1+1', '＝SUM(A1)', '﹢1', '－2', '@cmd', "'=kept as written", "'just quoted", '-45.10'];

describe('error report export and reload', () => {
  it('neutralises every formula sign in the export and a reload gives back exactly the values', async () => {
    const lines = ['id,amount,note', ...NOTES.map((note, i) => `${i + 1},bad${i},"${note}"`), '99,1.5,fine'];
    const source = write('orders.csv', `${lines.join('\n')}\n`);
    const spec = write(
      'orders.json',
      JSON.stringify({ source: { path: source }, columns: [{ source: 'amount', type: 'numeric' }] }),
    );
    const load = await loadstone([
      'load',
      source,
      '--spec',
      spec,
      '--table',
      'orders',
      '--target',
      url,
      '--max-error-rate',
      '1',
    ]);
    expect(load.code).toBe(0);

    const exported = path.join(dir, 'rejected.csv');
    const exportRun = await loadstone(['errors', 'last', '--export', exported]);
    expect(exportRun.code).toBe(0);
    const text = fs.readFileSync(exported, 'utf8');
    // What a spreadsheet sees: no cell of the note column starts with a formula sign.
    for (const note of ['=1+1', '＝SUM(A1)', '﹢1', '－2', '@cmd']) expect(text).toContain(`,'${note},`);
    expect(text).toContain(",''=kept as written,");
    expect(text).toContain(",'just quoted,"); // not formula-like: as it was
    expect(text).toContain(',-45.10,'); // a plain number: as it was

    // The operator fixes the amounts and loads the file back.
    const fixed = write(
      'fixed.csv',
      text.replace(/,bad(\d+),/g, (_m, i) => `,${i}.5,`),
    );
    const reload = await loadstone(['load', fixed, '--table', 'fixed', '--target', url]);
    expect(reload.code).toBe(0);
    const rows = await db.query('SELECT id, note FROM public.fixed ORDER BY id');
    expect(rows.rows.map((r) => r.note)).toEqual(NOTES);
  });

  it("keeps a leading ' of an ordinary file: only Loadstone's own exports are unguarded", async () => {
    const plain = write('plain.csv', `id,note\n1,'=1+1\n2,''=2\n`);
    const load = await loadstone(['load', plain, '--table', 'plain', '--target', url]);
    expect(load.code).toBe(0);
    const rows = await db.query('SELECT note FROM public.plain ORDER BY id');
    expect(rows.rows.map((r) => r.note)).toEqual(["'=1+1", "''=2"]);
  });
});
