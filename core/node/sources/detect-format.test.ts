import { describe, expect, it } from 'vitest';
import { detectFormat } from './detect-format.ts';

const text = (s: string) => Buffer.from(s);

describe('detectFormat', () => {
  it.each([
    ['data.csv', 'csv', undefined],
    ['DATA.CSV.GZ', 'csv', undefined],
    ['data.txt', 'csv', undefined],
    ['data.tsv', 'tsv', '\t'],
    ['data.tab.gz', 'tsv', '\t'],
    ['data.psv', 'csv', '|'],
    ['data.json', 'json', undefined],
    ['data.ndjson.gz', 'ndjson', undefined],
    ['data.jsonl', 'ndjson', undefined],
    ['book.xlsx', 'xlsx', undefined],
  ])('takes %s by its extension as %s', (file, kind, delimiter) => {
    expect(detectFormat(`/some/dir.v2/${file}`, text('whatever'))).toEqual(
      delimiter ? { kind, delimiter, by: 'extension' } : { kind, by: 'extension' },
    );
  });

  it.each([
    ['a zip', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]), 'xlsx'],
    ['a JSON array', text('  \n[{"a":1}]'), 'json'],
    ['NDJSON', text('{"a":1}\n{"a":2}\n'), 'ndjson'],
    ['NDJSON after a UTF-8 BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), text('{"a":1}')]), 'ndjson'],
    [
      'a JSON array in UTF-16LE',
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('[1]', 'utf16le')]),
      'json',
    ],
    ['CSV', text('id,name\n1,Ann\n'), 'csv'],
    ['an empty file', Buffer.alloc(0), 'csv'],
  ])('takes %s without a known extension by its content', (_name, head, kind) => {
    expect(detectFormat('/tmp/export.dat', head)).toEqual({ kind, by: 'content' });
    expect(detectFormat('/tmp/export', head).kind).toBe(kind);
  });

  it.each([
    [
      'a .json of one object per line (mongoexport)',
      'users.json',
      '{"_id":1,"name":"Ann"}\n{"_id":2,"name":"Bo"}\n',
      'ndjson',
      'content',
    ],
    [
      'the same after a BOM and CRLF',
      'users.json',
      '\ufeff{"_id":1}\r\n\r\n{"_id":2}\r\n',
      'ndjson',
      'content',
    ],
    [
      'a pretty-printed object (first line "{")',
      'meta.json',
      '{\n  "meta": {},\n  "data": []\n}\n',
      'json',
      'extension',
    ],
    ['one object on one line, nothing after', 'one.json', '{"data":[{"a":1}]}\n', 'json', 'extension'],
    ['a first line that is not a whole object', 'odd.json', '{"a": [1,\n{"b": 2}]}\n', 'json', 'extension'],
    ['an array', 'list.json', '[{"a":1},\n{"a":2}]\n', 'json', 'extension'],
    ['a .txt of JSON lines', 'events.txt', '{"a":1}\n{"a":2}\n', 'ndjson', 'content'],
    ['a .txt holding a JSON array', 'dump.txt', '[{"a":1}]', 'json', 'content'],
    ['a .txt of CSV', 'data.txt', 'id,name\n1,Ann\n', 'csv', 'extension'],
  ])('reads %s by its content where its name often lies', (_name, file, content, kind, by) => {
    expect(detectFormat(`/d/${file}`, Buffer.from(content))).toEqual({ kind, by });
  });
});
