import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { LoadstoneError } from '../../common/errors.ts';
import type { SourceSpec } from '../../common/spec/job-spec.ts';
import { JsonNumber } from '../../common/types.ts';
import { inspectSource, preview } from '../preview/preview.ts';
import {
  HUGE_SHARED_STRING_ROWS,
  hugeInlineStringSheet,
  hugeSharedString,
  manySharedStrings,
  openCommentSheet,
  repeated,
  wideCsv,
  wideNdjson,
  writeGzipMembers,
  writeWorkbook,
  writeZip,
} from './hostile-fixtures.ts';
import { openSource } from './open-source.ts';
import type { SourceRow } from './types.ts';
import { readSharedStrings } from './xlsx/shared-strings.ts';
import { openZip } from './xlsx/zip-reader.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loadstone-hostile-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const MiB = 1024 * 1024;

function file(name: string, content?: string | Buffer): string {
  const p = path.join(dir, name);
  if (content !== undefined) fs.writeFileSync(p, content);
  return p;
}

/** Every row of a source (text fields dropped), or the error it throws. */
async function readAll(spec: SourceSpec): Promise<SourceRow[]> {
  const source = await openSource(spec);
  const rows: SourceRow[] = [];
  try {
    for await (const batch of source.rows()) {
      for (const { text: _t, textStart: _s, textEnd: _e, ...row } of batch) rows.push(row);
    }
  } finally {
    await source.close();
  }
  return rows;
}

async function refusal(promise: Promise<unknown>): Promise<LoadstoneError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(LoadstoneError);
    return error as LoadstoneError;
  }
  throw new Error('expected the file to be refused');
}

const problems = (rows: SourceRow[]) => rows.filter((r) => r.problem).map((r) => [r.line, r.problem!.reason]);

describe('hostile delimited files', () => {
  it('rejects a long line bare (the only line) as line_too_long on line 1', async () => {
    const p = file('bare.csv', 'a'.repeat(3 * MiB));
    const rows = await readAll({ path: p, maxLineChars: 2 * MiB });
    expect(problems(rows)).toEqual([[1, 'line_too_long']]);
  });

  it('rejects a long line after a header and reads the rows after it with their line numbers', async () => {
    const body = Array.from({ length: 1000 }, (_, i) => `${i + 3},row ${i + 3}`).join('\n');
    const p = file('after-header.csv', `id,text\n2,${'b'.repeat(3 * MiB)}\n${body}\n`);
    const rows = await readAll({ path: p, maxLineChars: 2 * MiB });
    expect(rows).toHaveLength(1001);
    expect(rows[0]).toMatchObject({ line: 2, values: [null, null], problem: { reason: 'line_too_long' } });
    expect(rows[0]?.problem?.message).toMatch(
      /^line 2: longer than 2,097,152 characters \(the line limit, maxLineChars\)/,
    );
    expect(rows[1]).toEqual({ line: 3, values: ['3', 'row 3'] });
    expect(rows[1000]).toEqual({ line: 1002, values: ['1002', 'row 1002'] });
  });

  it('rejects a long line inside an open quote and reads on at the next line', async () => {
    const p = file('open-quote.csv', `id,text\n2,"${'c'.repeat(3 * MiB)}\n3,ok\n4,"fine, too"\n`);
    const rows = await readAll({ path: p, maxLineChars: 2 * MiB });
    expect(problems(rows)).toEqual([[2, 'line_too_long']]);
    expect(rows.slice(1)).toEqual([
      { line: 3, values: ['3', 'ok'] },
      { line: 4, values: ['4', 'fine, too'] },
    ]);
  });

  it('reads a 20 MiB line whole under the default bound', async () => {
    const p = file('long-ok.csv', `id,text\n1,${'d'.repeat(20 * MiB)}\n2,x\n`);
    const rows = await readAll({ path: p });
    expect(rows.map((r) => [r.line, (r.values[1] as string).length])).toEqual([
      [2, 20 * MiB],
      [3, 1],
    ]);
  });

  it('refuses a gzip of one 10 GiB line after twice the default bound, in bounded time', async () => {
    const p = path.join(dir, 'one-line.csv.gz');
    writeGzipMembers(p, [...repeated('e', MiB)], 10 * 1024);
    expect(fs.statSync(p).size).toBeLessThan(20 * MiB);
    const error = await refusal(preview({ source: { path: p } }));
    expect(error.code).toBe('SOURCE_FORMAT');
    expect(error.message).toBe(
      `${p}: line 1 runs on for more than 134,217,728 characters without a line break, so the file cannot be read as lines of delimited text (if it really is, raise the line limit, maxLineChars)`,
    );
    expect(error.details).toMatchObject({ line: 1, path: p });
  });

  it('shows a too-long line in the preview as a rejected row', async () => {
    const p = file('preview-long.csv', `id,text\n1,a\n2,${'f'.repeat(1500)}\n3,c\n`);
    const result = await preview({ source: { path: p, maxLineChars: 1000 } });
    expect(result.rows.map((r) => [r.line, r.problem?.reason ?? 'ok'])).toEqual([
      [2, 'ok'],
      [3, 'line_too_long'],
      [4, 'ok'],
    ]);
    expect(result.rejectedRows).toBe(1);
  });
});

describe('wide headers', () => {
  it('detects a header of 20,000 columns (a 329 KB line) as a header, and refuses it at inspect and preview', async () => {
    const p = file('wide.csv', wideCsv(20_000));
    const source = await openSource({ path: p });
    expect(source.format.header).toBe(true);
    expect(source.columns).toHaveLength(20_000);
    expect(source.columns[19_999]).toBe('column_name_19999');
    await source.close();
    for (const look of [() => inspectSource({ path: p }), () => preview({ source: { path: p } })]) {
      const error = await refusal(look());
      expect(error.code).toBe('SOURCE_FORMAT');
      expect(error.message).toBe(
        `${p}: 20,000 columns to load, but a PostgreSQL table holds at most 1,600; skip columns in a job spec (columns[].skip) or split the file`,
      );
    }
  });

  it('takes 1,600 columns, refuses 1,601, and takes 1,601 with one skipped', async () => {
    const ok = file('1600.csv', wideCsv(1600));
    expect((await preview({ source: { path: ok } })).columns).toHaveLength(1600);
    const over = file('1601.csv', wideCsv(1601));
    expect((await refusal(preview({ source: { path: over } }))).details).toMatchObject({
      columns: 1601,
      limit: 1600,
    });
    const skipped = await preview({
      source: { path: over },
      columns: [{ source: 'column_name_7', skip: true }],
    });
    expect(skipped.columns.filter((c) => !c.skip)).toHaveLength(1600);
  });
});

describe('hostile NDJSON', () => {
  it('reads records of 100,000 numeric keys with exact numbers (key lookups are linear), and refuses them at preview', async () => {
    const p = file('keys.ndjson', wideNdjson(100_000));
    const rows = await readAll({ path: p });
    expect(rows).toHaveLength(2);
    expect(rows[1]?.values).toHaveLength(100_000);
    expect(rows[1]?.values[99_999]).toEqual(new JsonNumber('99999'));
    const error = await refusal(preview({ source: { path: p } }));
    expect(error.message).toContain('100,000 columns to load');
  });

  it('rejects a long NDJSON line as line_too_long and reads on', async () => {
    const p = file('long.ndjson', `{"a":1}\n{"a":"${'g'.repeat(3 * MiB)}"}\n{"a":3}\n`);
    const rows = await readAll({ path: p, maxLineChars: 2 * MiB });
    expect(rows.map((r) => [r.line, r.problem?.reason ?? String(r.values[0])])).toEqual([
      [1, '1'],
      [2, 'line_too_long'],
      [3, '3'],
    ]);
    expect(rows[1]?.rawText).toBeUndefined();
  });
});

describe('hostile workbooks', () => {
  it('refuses a sheet whose comment never closes (200 MB of it) as damaged, in one pass', async () => {
    const p = path.join(dir, 'open-comment.xlsx');
    await writeWorkbook(p, { part: () => openCommentSheet(200 * 1000 * 1000) });
    expect(fs.statSync(p).size).toBeLessThan(2 * MiB);
    const error = await refusal(readAll({ path: p }));
    expect(error.code).toBe('SOURCE_FORMAT');
    expect(error.message).toBe(
      `${p}: the workbook is damaged: cannot read xl/worksheets/sheet1.xml (the XML ends inside a comment)`,
    );
  });

  it('reads the rows after a 20 MB comment that does close', async () => {
    const p = path.join(dir, 'long-comment.xlsx');
    await writeWorkbook(p, {
      part: function* () {
        yield '<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c></row><!--';
        yield* repeated('-- x ', 20 * 1000 * 1000);
        yield '--><row r="2"><c r="A2"><v>7</v></c></row></sheetData></worksheet>';
      },
    });
    expect(await readAll({ path: p })).toEqual([{ line: 2, values: [7] }]);
  });

  it('rejects the row of a cell using a shared string over the bound (cell_too_long) and reads the others', async () => {
    const p = path.join(dir, 'huge-shared.xlsx');
    await writeWorkbook(p, { sheetData: HUGE_SHARED_STRING_ROWS }, () => hugeSharedString(3 * MiB));
    const rows = await readAll({ path: p, maxLineChars: 2 * MiB });
    expect(rows).toEqual([
      {
        line: 2,
        values: [null],
        problem: {
          reason: 'cell_too_long',
          message:
            'row 2: cell A2 (shared string 1) holds more than 2,097,152 characters (the limit, maxLineChars), so it is not read and the row is rejected',
        },
      },
      { line: 3, values: ['ok'] },
    ]);
  });

  it('rejects the row of an inline string over the bound and reads the others', async () => {
    const p = path.join(dir, 'huge-inline.xlsx');
    await writeWorkbook(p, { part: () => hugeInlineStringSheet(3 * MiB) });
    const rows = await readAll({ path: p, maxLineChars: 2 * MiB });
    expect(problems(rows)).toEqual([[2, 'cell_too_long']]);
    expect(rows[1]).toEqual({ line: 3, values: ['ok'] });
  });

  it('refuses a workbook whose shared or inline string runs on for twice the bound, like a long line', async () => {
    const shared = path.join(dir, 'runaway-shared.xlsx');
    await writeWorkbook(shared, { sheetData: HUGE_SHARED_STRING_ROWS }, () => hugeSharedString(5 * MiB));
    const sharedError = await refusal(readAll({ path: shared, maxLineChars: 2 * MiB }));
    expect(sharedError.code).toBe('SOURCE_FORMAT');
    expect(sharedError.message).toBe(
      `${shared}: shared string 1 runs on for more than 4,194,304 characters, so the workbook cannot be read (if it really holds such text, raise the limit, maxLineChars)`,
    );
    const inline = path.join(dir, 'runaway-inline.xlsx');
    await writeWorkbook(inline, { part: () => hugeInlineStringSheet(5 * MiB) });
    const inlineError = await refusal(readAll({ path: inline, maxLineChars: 2 * MiB }));
    expect(inlineError.message).toContain(`${inline}: cell A2 runs on for more than 4,194,304 characters`);
  });

  it('refuses at once a workbook declaring more shared strings than the bound', async () => {
    const p = path.join(dir, 'declared.xlsx');
    await writeWorkbook(p, { sheetData: '' }, () => {
      const parts = manySharedStrings(1000, false);
      const first = parts.next().value as string;
      return [first.replace('<sst ', '<sst uniqueCount="240000000" '), ...parts];
    });
    const error = await refusal(readAll({ path: p }));
    expect(error.message).toBe(
      `${p}: the workbook has 240,000,000 shared strings (as it declares), more than Loadstone holds in memory (at most 16,777,216 strings and 268,435,456 bytes); save the sheet as CSV and load that instead`,
    );
  });

  it('refuses shared strings past the count or byte bound however many the file declares', async () => {
    const p = path.join(dir, 'many.xlsx');
    await writeWorkbook(p, { sheetData: '' }, () => manySharedStrings(5000, false));
    const zip = await openZip(p);
    try {
      const part = 'xl/sharedStrings.xml';
      const error = await refusal(
        readSharedStrings(zip, part, 100, undefined, { strings: 4096, bytes: MiB }),
      );
      expect(error.message).toContain('the workbook has more than 4,096 shared strings');
      expect((await readSharedStrings(zip, part, 100, undefined, { strings: 5000, bytes: MiB })).count).toBe(
        5000,
      );
    } finally {
      await zip.close();
    }
  });
});

describe('binary files', () => {
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    Buffer.alloc(200, 7),
  ]);
  const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]), Buffer.alloc(500)]);
  const machO = Buffer.concat([Buffer.from([0xcf, 0xfa, 0xed, 0xfe]), Buffer.alloc(500, 1)]);
  const pe = Buffer.alloc(512);
  pe.write('MZ', 0, 'latin1');
  pe.writeUInt32LE(128, 0x3c);
  pe.write('PE\0\0', 128, 'latin1');
  const noise = Buffer.alloc(100_000);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919 + 13) % 251;

  it.each([
    ['image.png', png, 'it is a PNG image'],
    ['image.csv', png, 'it is a PNG image'],
    ['doc.pdf', Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj\n'), 'it is a PDF document'],
    ['program', elf, 'it is an executable (ELF)'],
    ['program.exe', pe, 'it is a Windows executable (PE)'],
    ['program.json', machO, 'it is an executable (Mach-O)'],
    ['image.csv.gz', gzipSync(png), 'it is a PNG image'],
    ['noise.dat', noise, 'of the first 65,536 bytes are NUL or other control codes'],
    ['noise.ndjson', noise, 'of the first 65,536 bytes are NUL or other control codes'],
  ])('refuses %s as not a text file', async (name, content, why) => {
    const p = file(name, content);
    const error = await refusal(preview({ source: { path: p } }));
    expect(error.code).toBe('SOURCE_FORMAT');
    expect(error.message).toContain(`${p}: not a text file (`);
    expect(error.message).toContain(why);
    expect(error.message).toContain(
      'Loadstone reads delimited text (CSV, TSV, ;- or |-separated), JSON, NDJSON and XLSX',
    );
  });

  it('refuses a ZIP that is not a workbook, by content or named .csv', async () => {
    for (const name of ['archive.zip', 'archive.csv']) {
      const p = path.join(dir, name);
      await writeZip(p, [{ name: 'readme.txt', content: 'hello' }]);
      const error = await refusal(preview({ source: { path: p } }));
      expect(error.message).toBe(
        `${p}: not a text file (it is a ZIP archive but not an XLSX workbook: it has no workbook part). Loadstone reads delimited text (CSV, TSV, ;- or |-separated), JSON, NDJSON and XLSX workbooks, each also gzipped.`,
      );
    }
  });

  it('reads a workbook saved with a .csv name as the workbook it is', async () => {
    const p = path.join(dir, 'workbook.csv');
    await writeWorkbook(p, {
      sheetData:
        '<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c></row><row r="2"><c r="A2"><v>5</v></c></row>',
    });
    const source = await openSource({ path: p });
    expect(source.format.kind).toBe('xlsx');
    await source.close();
    expect(await readAll({ path: p })).toEqual([{ line: 2, values: [5] }]);
  });

  it('takes UTF-16 files, with and without a BOM, and a text file with one stray NUL', async () => {
    const text = 'id,name\r\n1,Zoë\r\n2,Li\r\n';
    const withBom = file('bom16.csv', Buffer.concat([Buffer.of(0xff, 0xfe), Buffer.from(text, 'utf16le')]));
    const noBom = file('nobom16.csv', Buffer.from(text, 'utf16le'));
    for (const p of [withBom, noBom]) {
      expect((await readAll({ path: p })).map((r) => r.values)).toEqual([
        ['1', 'Zoë'],
        ['2', 'Li'],
      ]);
    }
    const stray = file('stray-nul.csv', `id,name\n${'1,a\n'.repeat(5000)}2,b\0c\n`);
    expect((await readAll({ path: stray })).at(-1)?.values).toEqual(['2', 'b\0c']);
  });
});
