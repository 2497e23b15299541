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
});
