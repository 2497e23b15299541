import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { JsonNumber, JsonText } from '../../../common/types.ts';
import { openByteInput } from '../byte-input.ts';
import type { OpenedSource, SourceRow } from '../types.ts';
import { openNdjsonSource } from './ndjson-source.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loadstone-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

async function open(file: string, signal?: AbortSignal): Promise<OpenedSource> {
  return openNdjsonSource(await openByteInput(file), { path: file }, signal ? { signal } : {});
}

/**
 * Every row. A row that says where its line is (rows after the 10,000-record column sample) must
 * read back to the same values with the source's `reparse` (the loader relies on it to report a
 * refused row); those fields are dropped so the tests compare what was read.
 */
let withText = 0;
async function readAll(source: OpenedSource): Promise<SourceRow[]> {
  const rows: SourceRow[] = [];
  for await (const batch of source.rows()) {
    for (const { text, textStart, textEnd, ...row } of batch) {
      if (text !== undefined) {
        withText++;
        expect(row.problem).toBeUndefined();
        expect(source.reparse?.(text.slice(textStart, textEnd))).toEqual(row.values);
      }
      rows.push(row);
    }
  }
  return rows;
}

function plain(row: SourceRow | undefined): unknown[] {
  return (row?.values ?? []).map((v) =>
    v instanceof JsonNumber ? `#${v.text}` : v instanceof JsonText ? `json:${v.text}` : v,
  );
}

describe('openNdjsonSource', () => {
  it('reports a bad line with its line number and reads the rest', async () => {
    const file = write('bad-line.ndjson', '{"a": 1}\n{"a": 2}\n{"a": 3,}\n{"a": 4}\n');
    const source = await open(file);
    const rows = await readAll(source);
    expect(rows.map((r) => r.line)).toEqual([1, 2, 3, 4]);
    const bad = rows[2]!;
    expect(bad.problem?.reason).toBe('invalid_json_line');
    expect(bad.problem?.message).toMatch(/^line 3: invalid JSON: /);
    expect(bad.rawText).toBe('{"a": 3,}');
    expect(bad.values).toEqual([null]);
    expect(plain(rows[3])).toEqual(['#4']);
    expect(source.format).toMatchObject({ kind: 'ndjson', encoding: 'utf-8', header: true, bom: false });
  });

  it('skips blank lines and keeps physical line numbers; tolerates CRLF and a missing last newline', async () => {
    const file = write('blank.ndjson', '\r\n{"a": "x"}\r\n   \r\n\t\n{"a": "y"}\r\n\n{"a": "z"}');
    const rows = await readAll(await open(file));
    expect(rows.map((r) => [r.line, ...plain(r)])).toEqual([
      [2, 'x'],
      [5, 'y'],
      [7, 'z'],
    ]);
    expect(rows.every((r) => !r.problem)).toBe(true);
  });

  it('keeps exact number text and loads absent keys as null', async () => {
    const file = write(
      'numbers.ndjson',
      [
        '{"id": 12345678901234567890, "price": 0.1000, "qty": 3}',
        '{"id": -0, "note": "n", "price": 1E5}',
        '{"qty": 2.50, "nested": {"deep": 1.10}}',
        '{"nested": {"id": 12345678901234567890, "s": "9.90 ", "list": [1, 2.0, {"x": -0.5}]}}',
        '{"nested": {"plain": [1, 2.5, "1.10"]}}',
      ].join('\n'),
    );
    const source = await open(file);
    expect(source.columns).toEqual(['id', 'price', 'qty', 'note', 'nested']);
    const rows = await readAll(source);
    expect(plain(rows[0])).toEqual(['#12345678901234567890', '#0.1000', '#3', null, null]);
    expect(plain(rows[1])).toEqual(['#-0', '#1E5', null, 'n', null]);
    // A nested value holding a number JSON.parse would change is kept as its exact (compact) text;
    // others are plain JSON values, as JSON.parse builds them (digits inside strings do not count).
    expect(plain(rows[2])).toEqual([null, null, '#2.50', null, 'json:{"deep":1.10}']);
    expect(plain(rows[3])).toEqual([
      null,
      null,
      null,
      null,
      'json:{"id":12345678901234567890,"s":"9.90 ","list":[1,2.0,{"x":-0.5}]}',
    ]);
    expect(plain(rows[4])).toEqual([null, null, null, null, { plain: [1, 2.5, '1.10'] }]);
  });

  it('reports a line that is valid JSON but not an object', async () => {
    const file = write('not-object.ndjson', '{"a": 1}\n[1, 2]\n"text"\nnull\n');
    const rows = await readAll(await open(file));
    expect(rows.map((r) => r.problem?.message ?? 'ok')).toEqual([
      'ok',
      'line 2: expected a JSON object, found an array',
      'line 3: expected a JSON object, found a string',
      'line 4: expected a JSON object, found null',
    ]);
    expect(rows.slice(1).map((r) => r.problem?.reason)).toEqual([
      'not_an_object',
      'not_an_object',
      'not_an_object',
    ]);
    expect(rows[1]?.rawText).toBe('[1, 2]');
  });

  it('reports a line with bytes that are not UTF-8 and reads the others', async () => {
    const file = write(
      'encoding.ndjson',
      Buffer.concat([
        Buffer.from('{"a": "ok"}\n{"a": "caf'),
        Buffer.from([0xe9]),
        Buffer.from('"}\r\n{"a": "Zoë"}\n'),
      ]),
    );
    const rows = await readAll(await open(file));
    expect(rows).toHaveLength(3);
    expect(rows[1]).toMatchObject({
      line: 2,
      problem: {
        reason: 'invalid_encoding',
        message: 'line 2: bytes that are not valid UTF-8 at byte 11 of the line',
      },
      rawText: '{"a": "caf\ufffd"}',
    });
    expect(plain(rows[2])).toEqual(['Zoë']);
  });

  it('reports a line nested deeper than 1,000 levels and reads on', async () => {
    const deep = `{"a": ${'['.repeat(5_000)}${']'.repeat(5_000)}}`;
    const rows = await readAll(await open(write('deep.ndjson', `{"a": [[1]]}\n${deep}\n{"a": 2}\n`)));
    expect(rows.map((r) => r.problem?.reason ?? 'ok')).toEqual(['ok', 'invalid_json_line', 'ok']);
    expect(rows[1]?.problem?.message).toBe(
      'line 2: arrays and objects nest deeper than 1000 levels, which cannot be loaded',
    );
    expect(rows[1]?.rawText).toBe(deep);
  });

  it('reads gzip and strips a UTF-8 BOM', async () => {
    const text = '\ufeff{"k": 1.0}\n{"k": 2}\n';
    const source = await open(write('data.ndjson.gz', gzipSync(Buffer.from(text))));
    expect(source.format).toMatchObject({ compression: 'gzip', bom: true });
    expect(source.columns).toEqual(['k']);
    expect((await readAll(source)).map(plain)).toEqual([['#1.0'], ['#2']]);
  });

  it('reads UTF-16LE with a BOM', async () => {
    const body = Buffer.from('{"név": "Zoë"}\r\n{"név": 7}\r\n', 'utf16le');
    const source = await open(write('wide.ndjson', Buffer.concat([Buffer.from([0xff, 0xfe]), body])));
    expect(source.format.encoding).toBe('utf-16le');
    expect((await readAll(source)).map(plain)).toEqual([['Zoë'], ['#7']]);
  });

  it('takes columns from the first 10,000 records and reports a later unknown key', async () => {
    const lines = Array.from({ length: 10_005 }, (_, i) =>
      i === 10_002 ? `{"id": ${i + 1}, "late": [1], "later": 2}` : `{"id": ${i + 1}}`,
    );
    const source = await open(write('many.ndjson', lines.join('\n')));
    expect(source.columns).toEqual(['id']);
    const rows = await readAll(source);
    expect(rows).toHaveLength(10_005);
    const flagged = rows.filter((r) => r.problem);
    expect(flagged.map((r) => r.line)).toEqual([10_003]);
    expect(flagged[0]?.problem).toEqual({
      reason: 'unknown_field',
      message:
        'line 10003: fields "late", "later" are not among the columns (taken from the keys of the first 10,000 records)',
    });
    expect(plain(flagged[0])).toEqual(['#10003']);
    expect(flagged[0]?.rawText).toBe('{"id":10003,"late":[1],"later":2}');
  });

  it('says where each line is once the columns are fixed, and reads a line back to the same values', async () => {
    const lines: string[] = [];
    for (let i = 1; i <= 40_000; i++) {
      lines.push(
        i % 1000 === 7
          ? `{"id": ${i}, "doc": {"big": 12345678901234567890}, "s": "\\u00e9 \\"q\\""}\r`
          : `{"id": ${i}, "s": "row ${i}", "doc": null}`,
      );
    }
    const before = withText;
    const rows = await readAll(await open(write('positions.ndjson', `${lines.join('\n')}\n`)));
    expect(rows).toHaveLength(40_000);
    // Lines read ahead for the column sample (10,000 records, rounded up to whole 256 KiB reads) are
    // parsed before the columns are fixed and keep their cells; the rest say where they are.
    expect(withText - before).toBeGreaterThan(20_000);
  });

  it('stops at an abort between batches', async () => {
    const lines = Array.from({ length: 4_000 }, (_, i) => `{"i": ${i}}`);
    const controller = new AbortController();
    const source = await open(write('abort.ndjson', lines.join('\n')), controller.signal);
    let seen = 0;
    for await (const batch of source.rows()) {
      seen += batch.length;
      controller.abort();
    }
    expect(seen).toBe(1_000);
  });
});
