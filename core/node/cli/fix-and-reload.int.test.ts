import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../pg/test-server.ts';
import { runCli } from './test-support.ts';

// Issue 10 point 11, through the real `loadstone` commands, a real run store and a real PostgreSQL:
// load → export for fixing (the source's own dialect) → edit two cells → reload the fixed file
// through the original job → the table holds every row and the reload rejected none.

const dir = mkdtempSync(join(tmpdir(), 'loadstone-fix-reload-'));
const dataDir = join(dir, 'data');
let url = '';
let db: pg.Client;

function cli(args: string[]) {
  return runCli(args, { cwd: dir, env: { LOADSTONE_HOME: dataDir } });
}

beforeAll(async () => {
  url = await createTestDatabase(inject('pgUrl'), 'fix_reload');
  db = new pg.Client({ connectionString: url });
  await db.connect();
});
afterAll(async () => {
  await db?.end();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * 30 rows `Kunde Nr;Name;Betrag;Datum` (semicolons, decimal commas, day-first dates, é in names):
 * row 7's amount and row 19's date are bad.
 */
function germanRows(): string[] {
  const lines = ['Kunde Nr;Name;Betrag;Datum'];
  for (let i = 1; i <= 30; i++) {
    const amount = i === 7 ? '12,5x' : `${i},${String(i).padStart(2, '0')}`;
    const date = i === 19 ? '31.02.2024' : `${String(1 + (i % 28)).padStart(2, '0')}.03.2024`;
    lines.push(`${i};Café ${i} €;${amount};${date}`);
  }
  return lines;
}

/** Windows-1252 bytes of text whose only character above U+00FF is € (Node has no encoder for it). */
function cp1252(text: string): Buffer {
  return Buffer.from([...text].map((ch) => (ch === '€' ? 0x80 : ch.charCodeAt(0))));
}

async function json(args: string[]): Promise<Record<string, unknown>> {
  const r = await cli([...args, '--json']);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.out) as Record<string, unknown>;
}

async function count(table: string): Promise<number> {
  return Number((await db.query(`SELECT count(*) AS n FROM public.${table}`)).rows[0].n);
}

describe('fix and reload in one step', () => {
  it('append, Windows-1252 with semicolons: the export keeps the dialect and the reload adds the fixed rows', async () => {
    writeFileSync(join(dir, 'kunden.csv'), cp1252(`${germanRows().join('\r\n')}\r\n`));
    const first = await json([
      'load',
      'kunden.csv',
      '--target',
      url,
      '--table',
      'kunden',
      '--date-order',
      'DMY',
      '--max-error-rate',
      '0.5',
    ]);
    expect(first).toMatchObject({ status: 'succeeded', inserted: 28, rejected: 2 });
    const runId = first.runId as string;

    const exported = await json(['errors', runId, '--export', 'fix.csv', '--for-fixing']);
    expect(exported).toMatchObject({
      rows: 2,
      dialect: { kind: 'csv', encoding: 'windows-1252', delimiter: ';', quote: '"', bom: false },
    });
    const bytes = readFileSync(join(dir, 'fix.csv'));
    expect(bytes[0]).toBe(0x4b); // 'K': no byte-order mark, as the source had none
    expect(bytes.includes(Buffer.from([0x20, 0x80, 0x3b]))).toBe(true); // ' €;': € is the byte 0x80
    // `stream: true`: Node 20's one-shot Windows-1252 decode is Latin-1 (the readers stream too).
    const text = new TextDecoder('windows-1252').decode(bytes, { stream: true });
    const lines = text.split('\r\n');
    // Only the source's columns, original names and order, then loadstone_error; raw text as read.
    expect(lines[0]).toBe('Kunde Nr;Name;Betrag;Datum;loadstone_error');
    expect(lines[1]).toMatch(/^7;Café 7 €;12,5x;08\.03\.2024;betrag: .+$/);
    expect(lines[2]).toMatch(/^19;Café 19 €;19,19;31\.02\.2024;datum: .+$/);
    expect(bytes.includes(Buffer.from('Café', 'utf8'))).toBe(false); // é is one Windows-1252 byte

    // The operator fixes the two cells (and leaves the error column as it is).
    const fixed = text.replace('12,5x', '12,50').replace('31.02.2024', '28.02.2024');
    writeFileSync(join(dir, 'fix.csv'), cp1252(fixed));
    const reload = await json(['load', '--reload-of', runId, 'fix.csv', '--target', url]);
    expect(reload).toMatchObject({
      status: 'succeeded',
      mode: 'append',
      inserted: 2,
      rejected: 0,
      reloadOf: runId,
    });

    expect(await count('kunden')).toBe(30);
    const cols = await db.query(
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'kunden' ORDER BY ordinal_position",
    );
    // Same renames and types as the first run; no loadstone_error column.
    expect(cols.rows.map((r) => `${r.column_name}:${r.data_type}`)).toEqual([
      'kunde_nr:integer',
      'name:text',
      'betrag:numeric',
      'datum:date',
    ]);
    const fixedRows = await db.query(
      'SELECT kunde_nr, name, betrag::text, datum::text FROM public.kunden WHERE kunde_nr IN (7, 19) ORDER BY 1',
    );
    expect(fixedRows.rows).toEqual([
      { kunde_nr: 7, name: 'Café 7 €', betrag: '12.50', datum: '2024-03-08' },
      { kunde_nr: 19, name: 'Café 19 €', betrag: '19.19', datum: '2024-02-28' },
    ]);

    // The two runs are linked both ways.
    const original = await json(['runs', runId]);
    expect(original.reloadedBy).toEqual([reload.runId]);
    const second = await json(['runs', reload.runId as string]);
    expect(second).toMatchObject({ reloadOf: runId, reloadedBy: [] });
    const shown = await cli(['runs', runId]);
    expect(shown.out).toContain(`Reloaded by ${reload.runId}`);
  });

  it('replace, UTF-8 with a BOM: the export has the BOM and the reload appends instead of replacing', async () => {
    const lines = ['id,amount,note'];
    for (let i = 1; i <= 20; i++) lines.push(`${i},${i === 4 || i === 11 ? `x${i}` : `${i}.5`},"n, ${i}"`);
    writeFileSync(join(dir, 'bom.csv'), `\uFEFF${lines.join('\n')}\n`);
    const first = await json([
      'load',
      'bom.csv',
      '--sample-size',
      '3',
      '--target',
      url,
      '--table',
      'replaced',
      '--mode',
      'replace',
      '--max-error-rate',
      '0.5',
    ]);
    expect(first).toMatchObject({ status: 'succeeded', inserted: 18, rejected: 2 });
    await json(['errors', first.runId as string, '--export', 'bom-fix.csv', '--for-fixing']);
    const bytes = readFileSync(join(dir, 'bom-fix.csv'));
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8');
    expect(text).toContain('\r\n4,x4,"n, 4",amount: ');
    writeFileSync(join(dir, 'bom-fix.csv'), text.replace(',x4,', ',4.5,').replace(',x11,', ',11.5,'));
    const reload = await json(['load', '--reload-of', first.runId as string, 'bom-fix.csv', '--target', url]);
    expect(reload).toMatchObject({ status: 'succeeded', mode: 'append', inserted: 2, rejected: 0 });
    expect(await count('replaced')).toBe(20);
    const sum = await db.query('SELECT sum(amount)::text AS s FROM public.replaced');
    expect(sum.rows[0].s).toBe('220.0'); // 1.5 + 2.5 + … + 20.5: every row once
  });

  it('incremental: the fixed rows below the watermark are upserted on the key, not skipped', async () => {
    const lines = ['id,updated_at,qty'];
    for (let i = 1; i <= 12; i++) {
      lines.push(`${i},2024-01-${String(i).padStart(2, '0')} 10:00,${i === 3 || i === 5 ? 'many' : i}`);
    }
    writeFileSync(join(dir, 'inc.csv'), `${lines.join('\n')}\n`);
    const first = await json([
      'load',
      'inc.csv',
      '--sample-size',
      '2',
      '--target',
      url,
      '--table',
      'inc',
      '--mode',
      'incremental',
      '--key',
      'id',
      '--watermark',
      'updated_at',
      '--name',
      'inc-job',
      '--max-error-rate',
      '0.5',
    ]);
    expect(first).toMatchObject({ status: 'succeeded', inserted: 10, rejected: 2 });
    await json(['errors', first.runId as string, '--export', 'inc-fix.csv', '--for-fixing']);
    const text = readFileSync(join(dir, 'inc-fix.csv'), 'utf8');
    writeFileSync(join(dir, 'inc-fix.csv'), text.replace(/,many,/, ',3,').replace(/,many,/, ',5,'));
    const reload = await json(['load', '--reload-of', first.runId as string, 'inc-fix.csv', '--target', url]);
    expect(reload).toMatchObject({
      status: 'succeeded',
      mode: 'upsert',
      inserted: 2,
      skipped: 0,
      rejected: 0,
    });
    expect(await count('inc')).toBe(12);
    const qty = await db.query('SELECT sum(qty)::int AS s FROM public.inc');
    expect(qty.rows[0].s).toBe(78);
  });

  it('a formula-like value round-trips, and an NDJSON source is fixed as UTF-8 CSV', async () => {
    // The rejected row holds a formula-like note: guarded in the export, given back exactly on reload.
    writeFileSync(join(dir, 'notes.csv'), 'id,qty,note\n1,1,plain\n2,two,=1+1\n3,3,"\'=kept"\n');
    const notes = await json([
      'load',
      'notes.csv',
      '--target',
      url,
      '--table',
      'notes',
      '--sample-size',
      '1',
      '--max-error-rate',
      '1',
    ]);
    expect(notes).toMatchObject({ inserted: 2, rejected: 1 });
    await json(['errors', notes.runId as string, '--export', 'notes-fix.csv', '--for-fixing']);
    const text = readFileSync(join(dir, 'notes-fix.csv'), 'utf8');
    expect(text).toContain("\r\n2,two,'=1+1,qty: ");
    writeFileSync(join(dir, 'notes-fix.csv'), text.replace(',two,', ',2,'));
    await json(['load', '--reload-of', notes.runId as string, 'notes-fix.csv', '--target', url]);
    const rows = await db.query('SELECT id, qty, note FROM public.notes ORDER BY id');
    expect(rows.rows).toEqual([
      { id: 1, qty: 1, note: 'plain' },
      { id: 2, qty: 2, note: '=1+1' },
      { id: 3, qty: 3, note: "'=kept" },
    ]);

    const ndjson = ['{"sku":"a","price":1.5}', '{"sku":"b","price":"n/a!"}', '{"sku":"c","price":3.25}'];
    writeFileSync(join(dir, 'prices.ndjson'), `${ndjson.join('\n')}\n`);
    const prices = await json([
      'load',
      'prices.ndjson',
      '--target',
      url,
      '--table',
      'prices',
      '--sample-size',
      '1',
      '--max-error-rate',
      '1',
    ]);
    expect(prices).toMatchObject({ inserted: 2, rejected: 1 });
    const exported = await json([
      'errors',
      prices.runId as string,
      '--export',
      'prices-fix.csv',
      '--for-fixing',
    ]);
    expect(exported.dialect).toEqual({
      kind: 'csv',
      encoding: 'utf-8',
      delimiter: ',',
      quote: '"',
      bom: false,
    });
    const csv = readFileSync(join(dir, 'prices-fix.csv'), 'utf8');
    expect(csv.split('\r\n')[0]).toBe('sku,price,loadstone_error');
    writeFileSync(join(dir, 'prices-fix.csv'), csv.replace('n/a!', '2.75'));
    const reload = await json([
      'load',
      '--reload-of',
      prices.runId as string,
      'prices-fix.csv',
      '--target',
      url,
    ]);
    expect(reload).toMatchObject({ inserted: 1, rejected: 0 });
    const all = await db.query('SELECT sku, price::text FROM public.prices ORDER BY sku');
    expect(all.rows.map((r) => `${r.sku}=${r.price}`)).toEqual(['a=1.5', 'b=2.75', 'c=3.25']);
  });

  it('adds a BOM on request, and says what is wrong with bad usage', async () => {
    writeFileSync(join(dir, 'plain.csv'), 'id,n\n1,1\n2,x\n');
    const first = await json([
      'load',
      'plain.csv',
      '--target',
      url,
      '--table',
      'plain',
      '--max-error-rate',
      '1',
    ]);
    await json(['errors', first.runId as string, '--export', 'plain-fix.csv', '--for-fixing', '--bom']);
    expect([...readFileSync(join(dir, 'plain-fix.csv')).subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);

    const noFile = await cli(['errors', first.runId as string, '--for-fixing']);
    expect(noFile.code).toBe(2);
    expect(noFile.err).toContain('--for-fixing needs --export');
    const withTable = await cli([
      'load',
      '--reload-of',
      first.runId as string,
      'plain-fix.csv',
      '--table',
      'other',
    ]);
    expect(withTable.code).toBe(2);
    expect(withTable.err).toContain('--table cannot be given with it');
    const otherTarget = await cli([
      'load',
      '--reload-of',
      first.runId as string,
      'plain-fix.csv',
      '--target',
      'postgres://someone@127.0.0.1:1/else',
    ]);
    expect(otherTarget.code).toBe(2);
    expect(otherTarget.err).toContain("a reload loads into the original run's target");
    const unknown = await cli(['load', '--reload-of', 'r_19990101_000000_zzzz', 'plain-fix.csv']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("no run 'r_19990101_000000_zzzz'");
  });

  it("keeps an operator's own trailing loadstone_error column on an ordinary load", async () => {
    writeFileSync(join(dir, 'own.csv'), 'id,loadstone_error\n1,nothing\n2,some\n');
    const r = await json(['load', 'own.csv', '--target', url, '--table', 'own']);
    expect(r).toMatchObject({ status: 'succeeded', inserted: 2 });
    const rows = await db.query('SELECT loadstone_error FROM public.own ORDER BY id');
    expect(rows.rows.map((x) => x.loadstone_error)).toEqual(['nothing', 'some']);
  });

  it("a database's text kept as written is read back the same way from the fixed file; an empty field there is NULL", async () => {
    const file = join(dir, 'countries.db');
    const sqlite = new Database(file);
    sqlite.exec('CREATE TABLE countries (id INTEGER PRIMARY KEY, code TEXT, area INTEGER, note TEXT)');
    const insert = sqlite.prepare('INSERT INTO countries VALUES (?, ?, ?, ?)');
    for (let i = 1; i <= 20; i++) insert.run(i, `c${i}`, i * 10, `note ${i}`);
    // Rejected for their area (a text in an INTEGER column), with text that only a database keeps.
    insert.run(21, 'NA', 'lots', ' France ');
    insert.run(22, '-', 'many', null);
    sqlite.close();
    const first = await json([
      'load',
      'countries.db',
      '--source-table',
      'countries',
      '--table',
      'countries',
      '--target',
      url,
      '--max-error-rate',
      '0.5',
    ]);
    expect(first).toMatchObject({ status: 'succeeded', inserted: 20, rejected: 2 });
    const runId = first.runId as string;
    await json(['errors', runId, '--export', 'countries-fix.csv', '--for-fixing']);
    const text = readFileSync(join(dir, 'countries-fix.csv'), 'utf8');
    expect(text.split('\r\n').slice(1, 3)).toEqual([
      expect.stringMatching(/^21,NA,lots, France ,area: /),
      // `-` is guarded as formula-like (`'-`); the reload takes the guard off.
      expect.stringMatching(/^22,'-,many,,area: /),
    ]);
    writeFileSync(
      join(dir, 'countries-fix.csv'),
      text.replace(',lots,', ',1000,').replace(',many,', ',2000,'),
    );
    const reload = await json(['load', '--reload-of', runId, 'countries-fix.csv', '--target', url]);
    expect(reload).toMatchObject({ status: 'succeeded', inserted: 2, rejected: 0 });
    const rows = await db.query(
      'SELECT id::int AS id, code, area::int AS area, note FROM public.countries WHERE id > 20 ORDER BY id',
    );
    expect(rows.rows).toEqual([
      { id: 21, code: 'NA', area: 1000, note: ' France ' },
      { id: 22, code: '-', area: 2000, note: null },
    ]);
  });
});
