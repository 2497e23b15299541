import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { guardCell, unguardCell } from '../../common/export-format.ts';
import { csvField, csvRecord, isFormulaLike } from './csv.ts';
import { parseCsv } from './test-fixtures/support.ts';

describe('formula neutralisation', () => {
  it.each([
    ['=cmd|/C calc', "'=cmd|/C calc"],
    ['+1+1', "'+1+1"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tx', "'\tx"],
    ['-$A$1', "'-$A$1"],
    ['+44 20 7946 0958', "'+44 20 7946 0958"],
    ['-', "'-"],
    ['-1,000$', "'-1,000$"],
    ['-1 +2', "'-1 +2"],
    ['＝HYPERLINK("x")', '\'＝HYPERLINK("x")'],
    ['＋1', "'＋1"],
    ['－1', "'－1"],
    ['＠SUM(A1)', "'＠SUM(A1)"],
    ['﹦1', "'﹦1"],
    ['﹢1', "'﹢1"],
    ['﹣1', "'﹣1"],
  ])('neutralises %j', (input, expected) => {
    expect(isFormulaLike(input)).toBe(true);
    expect(parseCsv(csvRecord([input]))[0]).toEqual([expected]);
  });

  it.each([
    '-45.10',
    '+3',
    '-1,234.50',
    '-1.234,50',
    '-2.5e3',
    '-12%',
    '-43 %',
    '-152.8   ',
    '-.5',
    '42',
    'plain',
    '',
    'a=b',
  ])('keeps %j as it is', (input) => {
    expect(isFormulaLike(input)).toBe(false);
    expect(parseCsv(csvRecord([input, 'x']))[0]).toEqual([input, 'x']);
  });

  it('a leading CR is neutralised and the cell quoted', () => {
    expect(csvField('\r=1')).toBe(`"'\r=1"`);
  });
});

describe('csvRecord', () => {
  it('quotes commas, quotes and line breaks', () => {
    expect(csvRecord(['a,b', 'say "hi"', 'two\nlines', 'x'])).toBe('"a,b","say ""hi""","two\nlines",x\r\n');
  });

  it('round-trips any text, the neutralising quote undone by unguardCell', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme' }), { minLength: 1, maxLength: 6 }), (fields) => {
        const back = parseCsv(csvRecord(fields))[0]!;
        expect(back).toEqual(fields.map(guardCell));
        expect(back.map(unguardCell)).toEqual(fields);
      }),
    );
  });
});
