import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../pg/test-server.ts';

// Issue 13 §5, through the real `loadstone` command: a header PostgreSQL reserves for a system
// column loads under the renamed form with a preview warning (it failed the load with exit 1), and
// a spec rename onto a name another column has is a spec error (exit 2), not a silent `id_2`.

const BIN = fileURLToPath(new URL('../../../bin/loadstone.mjs', import.meta.url));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loadstone-names-'));
let url = '';
let db: pg.Client;

beforeAll(async () => {
  url = await createTestDatabase(inject('pgUrl'), 'cli_names');
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
        const code = error ? Number((error as { code?: number }).code ?? 1) : 0;
        resolve({ code, out: stdout, err: stderr });
      },
    );
  });
}

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

describe('system column names', () => {
  it('loads xmin/ctid headers as xmin_/ctid_ and says so in the preview', async () => {
    const csv = write('sys.csv', 'id,xmin,CTID,note\n1,5,a,x\n2,6,b,y\n');
    const preview = await loadstone(['preview', csv, '--json']);
    expect(preview.code).toBe(0);
    const columns = (JSON.parse(preview.out) as { columns: Array<{ name: string; warnings: string[] }> })
      .columns;
    expect(columns.map((c) => c.name)).toEqual(['id', 'xmin_', 'ctid_', 'note']);
    expect(columns[1]?.warnings).toContain(
      "'xmin' is a PostgreSQL system column name, which no table column can have: loaded as 'xmin_' (rename it in the column settings)",
    );
    expect(columns[0]?.warnings.join(' ')).not.toContain('system column');

    const load = await loadstone(['load', csv, '--table', 'sys', '--target', url]);
    expect(load.err).toBe('');
    expect(load.code).toBe(0);
    const rows = await db.query('SELECT id, xmin_, ctid_, note FROM public.sys ORDER BY id');
    expect(rows.rows).toEqual([
      { id: 1, xmin_: 5, ctid_: 'a', note: 'x' },
      { id: 2, xmin_: 6, ctid_: 'b', note: 'y' },
    ]);
  });

  it('refuses a spec that names a column xmin, by its path (exit 2)', async () => {
    const csv = write('plain.csv', 'a,b\n1,2\n');
    const spec = write(
      'sys-spec.json',
      JSON.stringify({ source: { path: csv }, columns: [{ source: 'a', name: 'xmin' }] }),
    );
    const r = await loadstone(['preview', csv, '--spec', spec]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('columns.0.name');
    expect(r.err).toContain('system column name');
  });
});

describe('a spec rename onto an existing name', () => {
  it('is a spec error listed by its path (exit 2), not a silent id_2', async () => {
    const csv = write('ids.csv', 'id,val\n1,a\n2,b\n');
    const spec = write(
      'rename.json',
      JSON.stringify({ source: { path: csv }, columns: [{ source: 'val', name: 'id' }] }),
    );
    for (const command of [
      ['preview', csv],
      ['load', csv, '--table', 'ids', '--target', url],
    ]) {
      const r = await loadstone([...command, '--spec', spec]);
      expect(r.code).toBe(2);
      expect(r.err).toContain(
        "columns.0.name: name 'id' for column 'val' is already the name of column 'id'; give that column another name too, or skip it",
      );
    }
    const table = await db.query("SELECT to_regclass('public.ids') AS t");
    expect(table.rows[0].t).toBeNull();
  });

  it('is allowed when the column that had the name is skipped or renamed too', async () => {
    const csv = write('ids2.csv', 'id,val\n1,a\n2,b\n');
    const spec = write(
      'rename-ok.json',
      JSON.stringify({
        source: { path: csv },
        columns: [
          { source: 'id', name: 'old_id' },
          { source: 'val', name: 'id' },
        ],
      }),
    );
    const r = await loadstone(['load', csv, '--spec', spec, '--table', 'ids2', '--target', url]);
    expect(r.code).toBe(0);
    const rows = await db.query('SELECT old_id, id FROM public.ids2 ORDER BY old_id');
    expect(rows.rows).toEqual([
      { old_id: 1, id: 'a' },
      { old_id: 2, id: 'b' },
    ]);

    const skipping = write(
      'rename-skip.json',
      JSON.stringify({
        source: { path: csv },
        columns: [
          { source: 'id', skip: true },
          { source: 'val', name: 'id' },
        ],
      }),
    );
    const s = await loadstone(['load', csv, '--spec', skipping, '--table', 'ids3', '--target', url]);
    expect(s.code).toBe(0);
    const only = await db.query('SELECT * FROM public.ids3 ORDER BY id');
    expect(only.rows).toEqual([{ id: 'a' }, { id: 'b' }]);
  });
});

describe('names an existing table gives its columns', () => {
  it('loads into camelCase columns (Prisma, Rails) named in the spec, upserting on one of them', async () => {
    await db.query(
      'CREATE TABLE public."Users" ("userId" integer PRIMARY KEY, "createdAt" timestamptz NOT NULL, "Display Name" text)',
    );
    await db.query(`INSERT INTO public."Users" VALUES (1, '2024-01-01T00:00:00Z', 'old')`);
    const csv = write(
      'users.csv',
      'userId,createdAt,display name\n1,2024-02-01T10:00:00Z,Ann\n2,2024-02-02T11:00:00Z,Bo\n',
    );
    const spec = write(
      'users.json',
      JSON.stringify({
        source: { path: csv },
        columns: [
          { source: 'userId', name: 'userId' },
          { source: 'createdAt', name: 'createdAt' },
          { source: 'display name', name: 'Display Name' },
        ],
        target: { table: '"Users"', mode: 'upsert', key: ['userId'] },
      }),
    );
    const r = await loadstone(['load', '--spec', spec, '--target', url, '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ status: 'succeeded', inserted: 1, updated: 1 });
    const rows = await db.query(
      'SELECT "userId", "createdAt"::text AS "createdAt", "Display Name" FROM public."Users" ORDER BY 1',
    );
    expect(rows.rows).toEqual([
      { userId: 1, createdAt: '2024-02-01 10:00:00+00', 'Display Name': 'Ann' },
      { userId: 2, createdAt: '2024-02-02 11:00:00+00', 'Display Name': 'Bo' },
    ]);
    // A name PostgreSQL cannot take is still refused by its path.
    const bad = write(
      'bad-name.json',
      JSON.stringify({ source: { path: csv }, columns: [{ source: 'userId', name: 'x'.repeat(64) }] }),
    );
    const refused = await loadstone(['load', '--spec', bad, '--table', 'never', '--target', url]);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain(
      'columns.0.name: must be a PostgreSQL column name: 1 to 63 bytes (UTF-8), no NUL character',
    );
  });
});
