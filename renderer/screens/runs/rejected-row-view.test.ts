import { describe, expect, it } from 'vitest';
import type { RejectedRowDto } from '../../../core/common/contract/index.ts';
import {
  inspectedValues,
  placeFacts,
  rawValuesJson,
  rejectedSourceColumns,
  sizeText,
  splitLines,
} from './rejected-row-view.ts';

const BIG = '12345678901234567890';

function row(over: Partial<RejectedRowDto>): RejectedRowDto {
  return { id: 1, line: 5, at: null, stage: 'normalize', raw: {}, rawText: null, errors: [], ...over };
}

const error = (column: string | null) => ({
  column,
  value: null,
  reason: 'invalid_number',
  message: 'm',
  sqlstate: null,
});

describe('inspectedValues', () => {
  it('gives every raw value whole, in source order, NULL and empty told apart', () => {
    const note = `first line\n  second line, indented\n${'x'.repeat(2048)}`;
    const r = row({
      raw: { big_id: BIG, note, amount: '12,5x', gone: null, blank: '', extra: { a: [1, 2] } },
      errors: [error('amount_eur')],
    });
    const values = inspectedValues(
      r,
      ['big_id', 'note', 'amount', 'gone', 'blank', 'absent'],
      ['big_id', 'note', 'amount_eur', 'gone', 'blank', 'absent'],
    );
    expect(values.map((v) => [v.column, v.kind])).toEqual([
      ['big_id', 'text'],
      ['note', 'text'],
      ['amount', 'text'],
      ['gone', 'null'],
      ['blank', 'empty'],
      ['absent', 'missing'],
      ['extra', 'json'],
    ]);
    expect(values[0]?.text).toBe(BIG);
    expect(values[1]?.text).toBe(note);
    // The error names the renamed target column; the source column is the one marked.
    expect(values.filter((v) => v.rejected).map((v) => v.column)).toEqual(['amount']);
    expect(values[6]?.text).toBe('{\n  "a": [\n    1,\n    2\n  ]\n}');
  });

  it('shows a record that could not be split by its source text', () => {
    const r = row({ stage: 'parse', rawText: '6;Björn Borg;Göteborg', errors: [error(null)] });
    expect(inspectedValues(r, ['id', 'name'], null)).toEqual([
      { column: 'raw_text', kind: 'text', text: '6;Björn Borg;Göteborg', rejected: true },
    ]);
  });
});

describe('rejectedSourceColumns', () => {
  it('finds a cell by its source name or the name it became', () => {
    const r = row({ errors: [error('day'), error('amount_eur'), error(null)] });
    expect([...rejectedSourceColumns(r, ['day', 'amount', 'id'], ['day', 'amount_eur', 'id'])]).toEqual([
      'day',
      'amount',
    ]);
  });
});

describe('rawValuesJson', () => {
  it('copies the raw values exactly: NULL as null, a newline escaped, a 20-digit number as its text', () => {
    const r = row({ raw: { id: BIG, note: 'a\nb', gone: null } });
    expect(rawValuesJson(r)).toBe(`{\n  "id": "${BIG}",\n  "note": "a\\nb",\n  "gone": null\n}`);
    expect(JSON.parse(rawValuesJson(r))).toEqual(r.raw);
  });

  it('copies an unsplit record as its source text', () => {
    expect(JSON.parse(rawValuesJson(row({ rawText: 'a;"b' })))).toEqual({ raw_text: 'a;"b' });
  });
});

describe('sizeText and splitLines', () => {
  it('says how long a value is, and its lines when more than one', () => {
    expect(sizeText('12,5x')).toBe('5 characters');
    expect(sizeText('a')).toBe('1 character');
    expect(sizeText(`a\r\nb\n${'c'.repeat(2000)}`)).toBe('3 lines, 2,005 characters');
    expect(sizeText('🚀')).toBe('1 character');
  });

  it('cuts a text into lines and keeps each break as it was', () => {
    const text = 'one\r\ntwo\n\nthree';
    const lines = splitLines(text);
    expect(lines).toEqual([
      { text: 'one', br: '\r\n' },
      { text: 'two', br: '\n' },
      { text: '', br: '\n' },
      { text: 'three', br: '' },
    ]);
    expect(lines.map((l) => l.text + l.br).join('')).toBe(text);
  });
});

describe('placeFacts', () => {
  it('says where the row came from, by its kind of source', () => {
    expect(placeFacts({ line: 46, at: null })).toEqual([['Line', '46']]);
    expect(
      placeFacts({
        line: 7,
        at: { kind: 'page', page: 3, record: 7, url: 'https://api.example.com/o?k=***' },
      }),
    ).toEqual([
      ['Page', '3'],
      ['Record', '7'],
      ['URL', 'https://api.example.com/o?k=***'],
    ]);
    expect(placeFacts({ line: 1, at: { kind: 'key', key: { id: '17', region: null } } })).toEqual([
      ['Key', 'id=17, region=NULL'],
    ]);
    expect(placeFacts({ line: 5, at: { kind: 'row', row: 5 } })).toEqual([['Row', '5']]);
  });
});
