import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSource } from './open-source.ts';
import type { OpenedSource, SourceRow } from './types.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const has = (module: string) => fs.existsSync(path.join(here, module));

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loadstone-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

async function readAll(source: OpenedSource): Promise<SourceRow[]> {
  const rows: SourceRow[] = [];
  for await (const batch of source.rows()) rows.push(...batch);
  return rows;
}

describe('openSource', () => {
  it('opens a CSV, and the same gzipped with or without .gz in the name', async () => {
    const text = 'id,name\n1,Ann\n2,Bob\n';
    for (const [name, bytes, compression] of [
      ['people.csv', Buffer.from(text), 'none'],
      ['people.csv.gz', gzipSync(text), 'gzip'],
      ['people-gz.csv', gzipSync(text), 'gzip'],
    ] as const) {
      const source = await openSource({ path: write(name, bytes) });
      expect(source.format).toMatchObject({ kind: 'csv', compression, delimiter: ',' });
      expect(source.columns).toEqual(['id', 'name']);
      expect((await readAll(source)).map((r) => r.values)).toEqual([
        ['1', 'Ann'],
        ['2', 'Bob'],
      ]);
    }
  });

  it('reports kind tsv for a tab-separated file whatever its name, and csv for ; and |', async () => {
    expect((await openSource({ path: write('t.tsv', 'a\tb\n1\t2\n') })).format.kind).toBe('tsv');
    expect((await openSource({ path: write('t.txt', 'a\tb\n1\t2\n') })).format.kind).toBe('tsv');
    expect((await openSource({ path: write('t-noext', 'a\tb\n1\t2\n') })).format.kind).toBe('tsv');
    expect((await openSource({ path: write('s.csv', 'a;b\n1;2\n') })).format).toMatchObject({
      kind: 'csv',
      delimiter: ';',
    });
    expect((await openSource({ path: write('p.psv', 'a|b\n1|2\n') })).format).toMatchObject({
      kind: 'csv',
      delimiter: '|',
    });
  });

  it('reads format tsv from the spec as tab-separated even when commas are more regular', async () => {
    const file = write('told.dat', 'a,b\tc\n1,2\t3\n');
    expect((await openSource({ path: file })).format.delimiter).toBe(',');
    const told = await openSource({ path: file, format: 'tsv' });
    expect(told.format).toMatchObject({ kind: 'tsv', delimiter: '\t' });
    expect(told.columns).toEqual(['a,b', 'c']);
  });

  it('refuses a gzipped XLSX with SOURCE_FORMAT', async () => {
    const zip = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00]);
    await expect(openSource({ path: write('book.xlsx.gz', gzipSync(zip)) })).rejects.toMatchObject({
      code: 'SOURCE_FORMAT',
      message: expect.stringContaining('book.xlsx.gz'),
    });
    await expect(openSource({ path: write('book.gz', gzipSync(zip)) })).rejects.toMatchObject({
      code: 'SOURCE_FORMAT',
    });
  });

  it('names a missing file with SOURCE_NOT_FOUND', async () => {
    await expect(openSource({ path: path.join(dir, 'nope.csv') })).rejects.toMatchObject({
      code: 'SOURCE_NOT_FOUND',
    });
  });

  it.skipIf(!has('json/json-source.ts'))('hands a JSON array to the JSON source', async () => {
    const source = await openSource({ path: write('a.data', '[{"id":1},{"id":2}]') });
    expect(source.format.kind).toBe('json');
    expect(await readAll(source)).toHaveLength(2);
  });

  it.skipIf(!has('ndjson/ndjson-source.ts'))('hands NDJSON to the NDJSON source', async () => {
    const source = await openSource({ path: write('b.jsonl', '{"id":1}\n{"id":2}\n') });
    expect(source.format.kind).toBe('ndjson');
    expect(await readAll(source)).toHaveLength(2);
  });

  it.skipIf(!has('xlsx/xlsx-source.ts'))(
    'hands a workbook, found by its zip signature, to the XLSX source',
    async () => {
      const { default: ExcelJS } = await import('exceljs');
      const workbook = new ExcelJS.Workbook();
      const sheet = workbook.addWorksheet('people');
      sheet.addRow(['id', 'name']);
      sheet.addRow([1, 'Ann']);
      const file = path.join(dir, 'workbook-without-extension');
      await workbook.xlsx.writeFile(file);
      const source = await openSource({ path: file });
      expect(source.format.kind).toBe('xlsx');
      expect(await readAll(source)).toHaveLength(1);
    },
  );
});
