import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { LoadstoneError } from '../../../common/errors.ts';
import { JsonNumber, JsonText } from '../../../common/types.ts';
import { type ByteInput, openByteInput } from '../byte-input.ts';
import type { OpenedSource, SourceRow } from '../types.ts';
import { openJsonSource } from './json-source.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loadstone-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

async function open(file: string, signal?: AbortSignal): Promise<OpenedSource> {
  return openJsonSource(await openByteInput(file), { path: file }, signal ? { signal } : {});
}

async function readAll(source: OpenedSource): Promise<SourceRow[]> {
  const rows: SourceRow[] = [];
  for await (const batch of source.rows()) rows.push(...batch);
  return rows;
}

/** Plain view of values: JsonNumber as its text, to compare exactly. */
function plain(row: SourceRow | undefined): unknown[] {
  return (row?.values ?? []).map((v) =>
    v instanceof JsonNumber ? `#${v.text}` : v instanceof JsonText ? `json:${v.text}` : v,
  );
}

/** A real byte input that counts how often it was closed. */
async function countingCloses(file: string): Promise<ByteInput & { closes: number }> {
  const input = await openByteInput(file);
  const counted = {
    ...input,
    closes: 0,
    async close() {
      counted.closes++;
      await input.close();
    },
  };
  return counted;
}

async function failure(promise: Promise<unknown>): Promise<LoadstoneError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(LoadstoneError);
    return error as LoadstoneError;
  }
  throw new Error('expected a LoadstoneError');
}

describe('openJsonSource', () => {
  it('reads an array of objects: columns in first-seen order, absent keys null, nested values kept', async () => {
    const file = write(
      'basic.json',
      '[\n  {"id": 1, "name": "Ada", "tags": ["x", {"k": 2}]},\n' +
        '  {"name": "Bob", "id": 2, "active": true, "meta": {"a": null, "b": [1.5]}},\n' +
        '  {"id": 3, "name": null, "active": false}\n]\n',
    );
    const source = await open(file);
    expect(source.columns).toEqual(['id', 'name', 'tags', 'active', 'meta']);
    expect(source.format).toMatchObject({
      kind: 'json',
      encoding: 'utf-8',
      compression: 'none',
      header: true,
    });
    const rows = await readAll(source);
    expect(rows.map((r) => r.line)).toEqual([1, 2, 3]);
    expect(plain(rows[0])).toEqual(['#1', 'Ada', ['x', { k: 2 }], null, null]);
    expect(plain(rows[1])).toEqual(['#2', 'Bob', null, true, { a: null, b: [1.5] }]);
    expect(plain(rows[2])).toEqual(['#3', null, null, false, null]);
    expect(rows.every((r) => r.problem === undefined)).toBe(true);
    expect(source.bytesRead()).toBe(source.totalBytes);
  });

  it('keeps the exact text of numbers', async () => {
    const file = write(
      'numbers.json',
      '[{"big": 12345678901234567890, "scale": 0.1000, "neg": -0, "exp": 1E+400, "small": 5e-324}]',
    );
    const rows = await readAll(await open(file));
    expect(plain(rows[0])).toEqual(['#12345678901234567890', '#0.1000', '#-0', '#1E+400', '#5e-324']);
  });

  it('keeps a nested value with numbers JSON.parse would change as its exact text', async () => {
    const file = write(
      'nested-numbers.json',
      '[{"doc": {"id": 12345678901234567890, "s": "9.90", "list": [1, 2.0, {"x": -0.5}]}, "ok": {"a": [1, 2.5]}},' +
        ' {"doc": [0.1000], "ok": null}]',
    );
    const rows = await readAll(await open(file));
    expect(plain(rows[0])).toEqual([
      'json:{"id":12345678901234567890,"s":"9.90","list":[1,2.0,{"x":-0.5}]}',
      { a: [1, 2.5] },
    ]);
    expect(plain(rows[1])).toEqual(['json:[0.1000]', null]);
  });

  it('reports an element that is not an object and reads on', async () => {
    const file = write('mixed.json', '[{"a": 1}, [1, 2], "text", 42.50, null, {"a": 2}]');
    const rows = await readAll(await open(file));
    expect(rows).toHaveLength(6);
    expect(rows.map((r) => r.problem?.reason ?? 'ok')).toEqual([
      'ok',
      'not_an_object',
      'not_an_object',
      'not_an_object',
      'not_an_object',
      'ok',
    ]);
    expect(rows[1]).toMatchObject({ line: 2, rawText: '[1,2]', values: [null] });
    expect(rows[1]?.problem?.message).toBe('record 2: expected a JSON object, found an array');
    expect(rows[3]?.rawText).toBe('42.50');
    expect(rows[4]?.rawText).toBe('null');
    expect(plain(rows[5])).toEqual(['#2']);
  });

  it('sets "__proto__" keys as own properties, as JSON.parse does', async () => {
    const file = write('proto.json', '[{"nested": {"__proto__": {"polluted": true}}}]');
    const rows = await readAll(await open(file));
    const nested = rows[0]?.values[0] as Record<string, unknown>;
    expect(Object.getPrototypeOf(nested)).toBe(Object.prototype);
    expect(Object.keys(nested)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('yields the rows before a truncation, then fails with the position', async () => {
    const file = write('truncated.json', '[\n{"a": 1},\n{"a": 2},\n{"a": 3, "b": "unfinis');
    const source = await open(file);
    const rows: SourceRow[] = [];
    const error = await failure(
      (async () => {
        for await (const batch of source.rows()) rows.push(...batch);
      })(),
    );
    expect(rows.map((r) => r.line)).toEqual([1, 2]);
    expect(error.code).toBe('SOURCE_FORMAT');
    expect(error.message).toContain('truncated.json: invalid JSON at line 4');
    expect(error.message).toContain('after record 2');
  });

  it('fails on a syntax error with line and column, after the rows before it', async () => {
    const file = write('syntax.json', '[\n  {"a": 1},\n  {"a": 2,, "b": 3}\n]');
    const source = await open(file);
    const rows: SourceRow[] = [];
    const error = await failure(
      (async () => {
        for await (const batch of source.rows()) rows.push(...batch);
      })(),
    );
    expect(rows.map((r) => r.line)).toEqual([1]);
    expect(error.code).toBe('SOURCE_FORMAT');
    expect(error.message).toBe(
      `${file}: invalid JSON at line 3, column 11 (after record 1): expected an object key`,
    );
    expect(error.details).toMatchObject({ line: 3, column: 11, record: 1 });
  });

  it('stops at a string with a raw tab or a bad escape near the end of its record, not at the end of the file', async () => {
    // stream-json waits for more text before judging such a string, and the records after it were
    // read on: numbered one short, the bad record silently left out, the error only at the end.
    for (const bad of ['{"id": 2, "s": "\t"}', '{"id": 2, "s": "\\x"}']) {
      const later = Array.from({ length: 3 }, (_, i) => `{"id": ${i + 3}, "s": "ok"}`);
      const file = write('bad-string.json', `[{"id": 1, "s": "ok"},\n${bad},\n${later.join(',\n')}]`);
      const source = await open(file);
      const rows: SourceRow[] = [];
      const error = await failure(
        (async () => {
          for await (const batch of source.rows()) rows.push(...batch);
        })(),
      );
      expect(rows.map((r) => plain(r))).toEqual([['#1', 'ok']]);
      expect(error.message).toBe(
        `${file}: invalid JSON at line 2, column 17 (after record 1): a string holds a raw control ` +
          'character (a tab, a line break) or an unknown escape; write them as \\t, \\n, \\uXXXX',
      );
    }
  });

  it('keeps the records of a chunk that fails, up to the error, past the read-ahead', async () => {
    // Not a whole number of batches: the last, partial batch comes out before the error too.
    const records = Array.from({ length: 12_345 }, (_, i) => `{"i": ${i + 1}}`);
    const file = write('late-error.json', `[${records.join(',\n')},\n{"i": oops}]`);
    const source = await open(file);
    const lines: number[] = [];
    const error = await failure(
      (async () => {
        for await (const batch of source.rows()) for (const row of batch) lines.push(row.line);
      })(),
    );
    expect(lines).toHaveLength(12_345);
    expect(lines[12_344]).toBe(12_345);
    expect(error.message).toContain('invalid JSON at line 12346, column 7 (after record 12345)');
  });

  it('rejects a top-level object, a scalar and an empty file with clear messages', async () => {
    const object = await failure(open(write('object.json', '  {"a": 1}')));
    expect(object.code).toBe('SOURCE_FORMAT');
    expect(object.message).toContain('holds one object at the top level; expected an array of objects');
    const scalar = await failure(open(write('scalar.json', '"just text"')));
    expect(scalar.code).toBe('SOURCE_FORMAT');
    expect(scalar.message).toContain('holds a string at the top level');
    const empty = await failure(open(write('empty.json', ' \n')));
    expect(empty.message).toContain('the file is empty');
    const bomOnly = await failure(open(write('bom-only.json', Buffer.from([0xef, 0xbb, 0xbf]))));
    expect(bomOnly.message).toContain('the file is empty');
  });

  it('refuses nesting deeper than 1,000 levels instead of overflowing the stack', async () => {
    const ok = `[{"a": ${'['.repeat(999)}${']'.repeat(999)}}]`;
    expect(await readAll(await open(write('deep-ok.json', ok)))).toHaveLength(1);
    const deep = `[{"a": 1}, ${'['.repeat(5_000)}${']'.repeat(5_000)}]`;
    const error = await failure(open(write('deep.json', deep)).then(readAll));
    expect(error.code).toBe('SOURCE_FORMAT');
    expect(error.message).toContain('record 2 nests arrays and objects deeper than 1000 levels');
  });

  it('reads gzip, a UTF-8 BOM and UTF-16LE with a BOM', async () => {
    const text = '[{"név": "Zoë", "n": 1.10}]';
    const gz = write('data.json.gz', gzipSync(Buffer.from(text)));
    const gzSource = await open(gz);
    expect(gzSource.format.compression).toBe('gzip');
    expect(plain((await readAll(gzSource))[0])).toEqual(['Zoë', '#1.10']);

    const bom = await open(
      write('bom.json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)])),
    );
    expect(bom.format).toMatchObject({ encoding: 'utf-8', bom: true });
    expect(plain((await readAll(bom))[0])).toEqual(['Zoë', '#1.10']);

    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const wide = await open(write('wide.json', utf16));
    expect(wide.format).toMatchObject({ encoding: 'utf-16le', bom: true });
    expect(wide.columns).toEqual(['név', 'n']);
    expect(plain((await readAll(wide))[0])).toEqual(['Zoë', '#1.10']);
  });

  it('refuses bytes that are not UTF-8, naming the offset', async () => {
    const file = write(
      'latin1.json',
      Buffer.concat([Buffer.from('[{"a": "caf'), Buffer.from([0xe9]), Buffer.from('"}]')]),
    );
    const error = await failure(open(file).then(readAll));
    expect(error.code).toBe('SOURCE_FORMAT');
    expect(error.message).toContain('not valid UTF-8 (bad bytes near byte offset 11)');
  });

  it('takes columns from the first 10,000 records and reports a later unknown key', async () => {
    const records: string[] = [];
    for (let i = 1; i <= 10_005; i++) {
      records.push(
        i === 10_003 ? `{"id": ${i}, "extra": 12345678901234567890, "x": "y"}` : `{"id": ${i}, "x": "y"}`,
      );
    }
    const file = write('many.json', `[${records.join(',\n')}]`);
    const source = await open(file);
    expect(source.columns).toEqual(['id', 'x']);
    const rows = await readAll(source);
    expect(rows).toHaveLength(10_005);
    const flagged = rows.filter((r) => r.problem);
    expect(flagged).toHaveLength(1);
    const row = flagged[0]!;
    expect(row.line).toBe(10_003);
    expect(row.problem).toEqual({
      reason: 'unknown_field',
      message:
        'record 10003: field "extra" is not among the columns (taken from the keys of the first 10,000 records)',
    });
    expect(plain(row)).toEqual(['#10003', 'y']);
    expect(row.rawText).toBe('{"id":10003,"extra":12345678901234567890,"x":"y"}');
    expect(plain(rows[10_004])).toEqual(['#10005', 'y']);
  });

  it('stops at an abort between batches and releases the file', async () => {
    const records = Array.from({ length: 5_000 }, (_, i) => `{"i": ${i}}`);
    const file = write('abort.json', `[${records.join(',')}]`);
    const controller = new AbortController();
    const counted = await countingCloses(file);
    const source = await openJsonSource(counted, { path: file }, { signal: controller.signal });
    let seen = 0;
    for await (const batch of source.rows()) {
      seen += batch.length;
      controller.abort();
    }
    expect(seen).toBe(1_000);
    expect(counted.closes).toBeGreaterThan(0);
  });

  it('releases the file when the consumer breaks out early', async () => {
    const records = Array.from({ length: 3_000 }, (_, i) => `{"i": ${i}}`);
    const file = write('break.json', `[${records.join(',')}]`);
    const counted = await countingCloses(file);
    const source = await openJsonSource(counted, { path: file }, {});
    for await (const batch of source.rows()) {
      expect(batch).toHaveLength(1_000);
      break;
    }
    expect(counted.closes).toBeGreaterThan(0);
    await source.close();
  });
});

describe('records nested in a top-level object (source.records)', () => {
  const openAt = async (file: string, records: string) =>
    openJsonSource(await openByteInput(file), { path: file, records }, {});

  it('reads the array at the path, whatever comes before or after it, numbers exact', async () => {
    const file = write(
      'nested.json',
      '{"meta":{"count":2,"items":[{"x":1}]},"resources":[{"id":12345678901234567890,"v":1.10},{"id":2,"v":null}],"links":{}}',
    );
    const source = await openAt(file, 'resources');
    expect(source.columns).toEqual(['id', 'v']);
    expect((await readAll(source)).map(plain)).toEqual([
      ['#12345678901234567890', '#1.10'],
      ['#2', null],
    ]);
    const deep = await openAt(
      write('deep.json', '{"data":{"page":{"items":[{"a":"x"}]}}}'),
      'data.page.items',
    );
    expect((await readAll(deep)).map(plain)).toEqual([['x']]);
  });

  it('says what the path found instead of an array, and where a syntax error is', async () => {
    const missing = await failure(openAt(write('missing.json', '{"meta":{},"rows":[]}'), 'resources'));
    expect(missing.message).toContain(
      `records path 'resources' is not in the document (its top-level keys: "meta", "rows")`,
    );
    const scalar = await failure(openAt(write('scalar.json', '{"resources":"none"}'), 'resources'));
    expect(scalar.message).toContain(`records path 'resources' holds a string, not an array of records`);
    const bad = write('bad-nested.json', '{"meta":{},\n"resources":[{"id":1},\n{"id":2,,}]}');
    const source = await openAt(bad, 'resources');
    const error = await failure(readAll(source));
    expect(error.code).toBe('SOURCE_FORMAT');
    expect(error.message).toContain('invalid JSON at line 3, column');
  });
});
