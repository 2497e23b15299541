import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FileSourceSpec } from '../../../common/spec/job-spec.ts';
import { openByteInput } from '../byte-input.ts';
import type { OpenedSource, OpenSourceOptions, SourceRow } from '../types.ts';
import { BATCH_ROWS, openDelimitedSource } from './delimited-source.ts';

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

async function open(
  file: string,
  spec: Partial<FileSourceSpec> = {},
  opts?: OpenSourceOptions,
): Promise<OpenedSource> {
  const input = await openByteInput(file, spec.compression);
  return openDelimitedSource(input, { path: file, ...spec }, opts);
}

/**
 * Every row, with the record-text fields checked (reading a good row's text again with the
 * source's `reparse` gives its fields back, which the loader relies on) and then dropped.
 */
async function readAll(source: OpenedSource): Promise<SourceRow[]> {
  const rows: SourceRow[] = [];
  for await (const batch of source.rows()) {
    for (const { text, textStart, textEnd, ...row } of batch) {
      if (!row.problem) {
        expect(text).toBeTypeOf('string');
        expect(source.reparse?.(text!.slice(textStart, textEnd))).toEqual([
          ...row.values,
          ...(row.extra ?? []),
        ]);
      }
      rows.push(row);
    }
  }
  return rows;
}

async function read(file: string, spec: Partial<FileSourceSpec> = {}) {
  const source = await open(file, spec);
  return { source, format: source.format, columns: source.columns, rows: await readAll(source) };
}

/** Windows-1252 bytes for the characters used here (Node has no encoder for it). */
function cp1252(text: string): Buffer {
  const special: Record<string, number> = {
    '€': 0x80,
    '“': 0x93,
    '”': 0x94,
    '‘': 0x91,
    '’': 0x92,
    '—': 0x97,
  };
  return Buffer.from([...text].map((ch) => special[ch] ?? ch.charCodeAt(0)));
}

function utf16be(text: string): Buffer {
  const le = Buffer.from(text, 'utf16le');
  for (let i = 0; i < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1]!, le[i]!];
  return le;
}

/** Open file descriptors of this process that point at `file` (Linux; [] elsewhere). */
function openHandles(file: string): string[] {
  if (!fs.existsSync('/proc/self/fd')) return [];
  return fs.readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`) === file;
    } catch {
      return false;
    }
  });
}

const PEOPLE = 'id,name,note\r\n1,Zoë,“smart” quotes\r\n2,Straße,€ 12\r\n3,café,‘single’\r\n';
const PEOPLE_ROWS = [
  ['1', 'Zoë', '“smart” quotes'],
  ['2', 'Straße', '€ 12'],
  ['3', 'café', '‘single’'],
];

describe('openDelimitedSource: encodings', () => {
  it.each([
    ['utf-8 with BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(PEOPLE)]), 'utf-8', true],
    ['utf-8 without BOM', Buffer.from(PEOPLE), 'utf-8', false],
    [
      'utf-16le with BOM',
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(PEOPLE, 'utf16le')]),
      'utf-16le',
      true,
    ],
    ['utf-16be with BOM', Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(PEOPLE)]), 'utf-16be', true],
    ['windows-1252', cp1252(PEOPLE), 'windows-1252', false],
  ] as const)('reads %s, plain and gzipped, without mojibake', async (_name, bytes, encoding, bom) => {
    for (const [file, compression] of [
      [write(`people-${encoding}-${bom}.csv`, bytes), 'none'],
      [write(`people-${encoding}-${bom}.csv.gz`, gzipSync(bytes)), 'gzip'],
    ] as const) {
      const { source, format, columns, rows } = await read(file);
      expect(format).toEqual({
        kind: 'csv',
        encoding,
        compression,
        delimiter: ',',
        quote: '"',
        header: true,
        bom,
      });
      expect(columns).toEqual(['id', 'name', 'note']);
      expect(rows.map((r) => r.values)).toEqual(PEOPLE_ROWS);
      expect(rows.map((r) => r.line)).toEqual([2, 3, 4]);
      expect(source.totalBytes).toBe(fs.statSync(file).size);
      expect(source.bytesRead()).toBe(source.totalBytes);
    }
  });

  it('decodes multi-byte characters cut by the stream chunk boundaries of a large file', async () => {
    const values = ['é', '€', '😀', 'ß', '“q”'];
    const lines = ['n,text'];
    for (let i = 0; i < 40_000; i++) lines.push(`${i},${values[i % 5]!.repeat((i % 7) + 1)}`);
    const text = `${lines.join('\n')}\n`;
    for (const [name, bytes] of [
      ['big-utf8.csv', Buffer.from(text)],
      ['big-utf16.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])],
    ] as const) {
      const { rows } = await read(write(name, bytes));
      const expected = lines.slice(1).map((l) => l.split(','));
      expect(rows.map((r) => r.values)).toEqual(expected);
    }
  });

  it('flags rows with bytes that are not UTF-8 as invalid_encoding when utf-8 is forced', async () => {
    const file = write('latin-as-utf8.csv', cp1252('id,name\n1,plain\n2,café\n3,ok\n'));
    const { format, rows } = await read(file, { encoding: 'utf-8' });
    expect(format.encoding).toBe('utf-8');
    expect(rows.map((r) => r.problem?.reason)).toEqual([undefined, 'invalid_encoding', undefined]);
    expect(rows[1]?.line).toBe(3);
    expect(rows[1]?.problem?.message).toMatch(/line 3: .*'name'.*windows-1252/);
    expect(rows[1]?.values).toEqual(['2', 'caf\uFFFD']);
    // The value to blame, by its source column: the report names the column.
    expect(rows[1]?.problem?.cells).toEqual([
      { column: 1, value: 'caf\uFFFD', message: rows[1]?.problem?.message },
    ]);
  });

  it('flags invalid UTF-8 that appears only after the detection head', async () => {
    const lines = ['id,name'];
    for (let i = 1; i <= 10_000; i++) lines.push(`${i},name ${i}`);
    const head = Buffer.from(`${lines.join('\n')}\n`);
    const file = write('late-latin.csv', Buffer.concat([head, cp1252('10001,Müller\n10002,ok\n')]));
    const { format, rows } = await read(file);
    expect(format.encoding).toBe('utf-8');
    const bad = rows.filter((r) => r.problem);
    expect(bad.map((r) => [r.line, r.problem?.reason])).toEqual([[10_002, 'invalid_encoding']]);
  });

  it('reads latin1 as Windows-1252 when asked', async () => {
    const file = write('latin1.csv', cp1252('a,b\n1,€ — “x”\n'));
    const { format, rows } = await read(file, { encoding: 'latin1' });
    expect(format.encoding).toBe('latin1');
    expect(rows[0]?.values).toEqual(['1', '€ — “x”']);
  });
});

describe('openDelimitedSource: records and row problems', () => {
  it('reads quoted delimiters, quotes and line breaks with CRLF, LF and CR line ends', async () => {
    for (const eol of ['\r\n', '\n', '\r']) {
      const text = ['id,text', '1,"a, ""b"""', `2,"multi${eol}line"`, '3,plain'].join(eol) + eol;
      const { rows } = await read(write(`quoted-${eol.length}-${eol.charCodeAt(0)}.csv`, text));
      expect(rows.map((r) => [r.line, ...r.values])).toEqual([
        [2, '1', 'a, "b"'],
        [3, '2', `multi${eol}line`],
        [5, '3', 'plain'],
      ]);
    }
  });

  it('rejects ragged rows with the right physical line after a multi-line record', async () => {
    const text = 'a,b,c\n1,"x\ny\nz",3\n\n4,5\n6,7,8,9,10\n11,12,13\n';
    const { rows } = await read(write('ragged.csv', text));
    expect(rows).toHaveLength(4);
    expect(rows[0]).toEqual({ line: 2, values: ['1', 'x\ny\nz', '3'] });
    expect(rows[1]).toEqual({
      line: 6,
      values: ['4', '5', null],
      problem: { reason: 'too_few_fields', message: "line 6: 2 fields, expected 3 (no value for 'c')" },
    });
    expect(rows[2]).toEqual({
      line: 7,
      values: ['6', '7', '8'],
      extra: ['9', '10'],
      problem: { reason: 'too_many_fields', message: 'line 7: 5 fields, expected 3 (2 extra fields)' },
    });
    expect(rows[3]).toEqual({ line: 8, values: ['11', '12', '13'] });
  });

  it('reports stray quotes and keeps reading', async () => {
    const { rows } = await read(write('stray.csv', 'a,b\n1,ab"c\n2,"x"y\n3,ok\n4, "z" !\n'));
    expect(rows.map((r) => [r.line, r.problem?.reason ?? null, ...r.values])).toEqual([
      [2, 'stray_quote', '1', 'ab"c'],
      [3, 'stray_quote', '2', '"x"y'],
      [4, null, '3', 'ok'],
      [5, 'stray_quote', '4', ' "z" !'],
    ]);
  });

  it('ignores blanks around quoted fields, in the header too, and keeps those of unquoted fields', async () => {
    const text = 'id, "name" ,\t"note"\r\n1, "Doe, Jane" ,\t"a ""b"""  \r\n2,  Roe  , "x"\r\n';
    const { format, columns, rows } = await read(write('blanks.csv', text));
    expect(format).toMatchObject({ delimiter: ',', quote: '"', header: true });
    expect(columns).toEqual(['id', 'name', 'note']);
    expect(rows).toEqual([
      { line: 2, values: ['1', 'Doe, Jane', 'a "b"'] },
      { line: 3, values: ['2', '  Roe  ', 'x'] },
    ]);
  });

  it('rejects an unterminated quote at the end of the file and still reads the rows after its line', async () => {
    const { rows } = await read(write('unterminated-eof.csv', 'a,b\n1,x\n2,"open\n3,y\n'));
    expect(rows.map((r) => [r.line, r.problem?.reason ?? null])).toEqual([
      [2, null],
      [3, 'unterminated_quote'],
      [4, null],
    ]);
    const last = await read(write('unterminated-last.csv', 'a,b\n1,x\n2,"open'));
    expect(last.rows.at(-1)).toMatchObject({ line: 3, problem: { reason: 'unterminated_quote' } });
  });

  it('gives up on a quote still open after 1 Mi characters and reads every line after it', async () => {
    const lines = ['id,text', '1,first', '2,"never closed'];
    for (let i = 3; i <= 60_000; i++) lines.push(`${i},row number ${i}`);
    const file = write('unterminated-mid.csv', `${lines.join('\n')}\n`);
    expect(fs.statSync(file).size).toBeGreaterThan(1024 * 1024);
    const { rows } = await read(file);
    expect(rows).toHaveLength(60_000);
    expect(rows.filter((r) => r.problem).map((r) => [r.line, r.problem?.reason])).toEqual([
      [3, 'unterminated_quote'],
    ]);
    expect(rows.at(-1)).toEqual({ line: 60_001, values: ['60000', 'row number 60000'] });
  });

  it('skips blank lines and reads a last line without a line break', async () => {
    const { rows } = await read(write('blank.csv', 'a,b\n\n1,2\n\n\n3,4'));
    expect(rows.map((r) => [r.line, ...r.values])).toEqual([
      [3, '1', '2'],
      [6, '3', '4'],
    ]);
  });

  it(`yields batches of ${BATCH_ROWS} rows`, async () => {
    const lines = ['n'];
    for (let i = 0; i < 2500; i++) lines.push(String(i));
    const source = await open(write('batches.csv', lines.join('\n')), { header: true });
    const sizes: number[] = [];
    for await (const batch of source.rows()) sizes.push(batch.length);
    expect(sizes).toEqual([1000, 1000, 500]);
  });

  it('reads an empty file as no columns and no rows', async () => {
    const { columns, rows } = await read(write('empty.csv', ''));
    expect(columns).toEqual([]);
    expect(rows).toEqual([]);
  });
});

describe('openDelimitedSource: detection and overrides', () => {
  it.each([
    [';', 'csv', 'id;amount\n1;3,50\n2;4,75\n'],
    ['|', 'csv', 'id|name\n1|a,b\n2|c\n'],
    ['\t', 'tsv', 'id\tname\n1\tAnn, Bob\n2\tCy\n'],
  ])('detects the %j delimiter and reports kind %s', async (delimiter, kind, text) => {
    const { format, columns, rows } = await read(write(`delim-${kind}-${delimiter.charCodeAt(0)}.txt`, text));
    expect(format).toMatchObject({ kind, delimiter, header: true });
    expect(columns).toEqual(text.split('\n')[0]!.split(delimiter));
    expect(rows.every((r) => !r.problem && r.values.length === 2)).toBe(true);
  });

  it('names columns column_N when the file has no header, and reads the first record as data', async () => {
    const { format, columns, rows } = await read(write('noheader.csv', '1,Ann,2.5\n2,Bob,3.5\n'));
    expect(format.header).toBe(false);
    expect(columns).toEqual(['column_1', 'column_2', 'column_3']);
    expect(rows.map((r) => r.line)).toEqual([1, 2]);
  });

  it('takes the header after a title line, and keeps the title line as a rejected row', async () => {
    const file = write(
      'title.psv',
      'Export of 2024-05-01\nid|name|date|\n1|Ann|13/11/2006|\n2|Bob|12-10-2006|\n',
    );
    const { format, columns, rows } = await read(file);
    expect(format).toMatchObject({ delimiter: '|', header: true });
    expect(columns).toEqual(['id', 'name', 'date', 'column_4']);
    expect(rows.map((r) => [r.line, r.problem?.reason ?? null, r.values[0]])).toEqual([
      [1, 'too_few_fields', 'Export of 2024-05-01'],
      [3, null, '1'],
      [4, null, '2'],
    ]);
  });

  it('does not take a first record with another field count than the rows as the header', async () => {
    const { format, columns, rows } = await read(write('rownames.csv', 'a,b\n1,x,y\n2,z,w\n'));
    expect(format.header).toBe(false);
    expect(columns).toEqual(['column_1', 'column_2', 'column_3']);
    expect(rows[0]).toMatchObject({
      line: 1,
      values: ['a', 'b', null],
      problem: { reason: 'too_few_fields' },
    });
  });

  it('lets the spec override the delimiter', async () => {
    const file = write('override-delimiter.csv', 'a,b;c\n1,x;y\n');
    expect((await read(file)).format.delimiter).toBe(',');
    const told = await read(file, { delimiter: ';' });
    expect(told.format).toMatchObject({ delimiter: ';', kind: 'csv' });
    expect(told.columns).toEqual(['a,b', 'c']);
    expect(told.rows[0]?.values).toEqual(['1,x', 'y']);
  });

  it('lets the spec override the quote, or turn quoting off', async () => {
    const file = write('override-quote.csv', "id,name\n1,'Doe, Jane'\n2,'Roe, Rick'\n");
    const detected = await read(file);
    expect(detected.format.quote).toBe("'");
    expect(detected.rows[0]?.values).toEqual(['1', 'Doe, Jane']);
    const told = await read(file, { quote: '"' });
    expect(told.format.quote).toBe('"');
    // Split at the commas inside the ' quotes, the rows have 3 fields: the 2-field first line is
    // then no header but a short row.
    expect(told.format.header).toBe(false);
    expect(told.rows[1]).toEqual({ line: 2, values: ['1', "'Doe", " Jane'"] });

    const noQuote = await read(write('override-noquote.csv', 'a,b\n"x,y"\n'), { quote: '' });
    expect(noQuote.format.quote).toBe('');
    expect(noQuote.rows[0]).toEqual({ line: 2, values: ['"x', 'y"'] });
  });

  it('lets the spec override the header', async () => {
    const file = write('override-header.csv', 'id,name\n1,Ann\n');
    expect((await read(file)).format.header).toBe(true);
    const told = await read(file, { header: false });
    expect(told.format.header).toBe(false);
    expect(told.columns).toEqual(['column_1', 'column_2']);
    expect(told.rows.map((r) => r.values)).toEqual([
      ['id', 'name'],
      ['1', 'Ann'],
    ]);
    const forced = await read(write('override-header2.csv', '1,2\n3,4\n'), { header: true });
    expect(forced.columns).toEqual(['1', '2']);
    expect(forced.rows.map((r) => r.values)).toEqual([['3', '4']]);
  });

  it('lets the spec override the encoding', async () => {
    const file = write('override-encoding.csv', cp1252('a,b\n1,€\n'));
    expect((await read(file)).rows[0]?.values).toEqual(['1', '€']);
    const told = await read(file, { encoding: 'utf-16le' });
    expect(told.format.encoding).toBe('utf-16le');
    expect(told.rows.flatMap((r) => r.values).join('')).not.toContain('€');
  });

  it('refuses a delimiter that cannot work, with SPEC_INVALID', async () => {
    const file = write('bad-spec.csv', 'a,b\n');
    await expect(open(file, { delimiter: '"', quote: '"' })).rejects.toMatchObject({ code: 'SPEC_INVALID' });
    await expect(open(file, { delimiter: '\n' })).rejects.toMatchObject({ code: 'SPEC_INVALID' });
  });
});

describe('openDelimitedSource: stopping', () => {
  const many = (): string => {
    const lines = ['id,text'];
    for (let i = 0; i < 200_000; i++) lines.push(`${i},some text for row ${i}`);
    return write('many.csv', `${lines.join('\n')}\n`);
  };

  it('stops between batches when the signal aborts, and releases the file', async () => {
    const file = many();
    const controller = new AbortController();
    const source = await open(file, {}, { signal: controller.signal });
    let batches = 0;
    for await (const _batch of source.rows()) {
      batches++;
      if (batches === 2) controller.abort();
    }
    expect(batches).toBe(2);
    expect(source.bytesRead()).toBeLessThan(fs.statSync(file).size);
    await vi.waitFor(() => expect(openHandles(file)).toEqual([]));
  });

  it('releases the file when the consumer breaks out early; close() is safe afterwards', async () => {
    const file = many();
    const source = await open(file);
    for await (const batch of source.rows()) {
      expect(batch).toHaveLength(BATCH_ROWS);
      break;
    }
    await vi.waitFor(() => expect(openHandles(file)).toEqual([]));
    await source.close();
    await source.close();
    expect(() => source.rows()).toThrow(/only once/);
  });
});
