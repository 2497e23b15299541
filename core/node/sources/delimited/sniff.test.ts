import { describe, expect, it } from 'vitest';
import { detectHeader, generatedNames, headerNames } from './header.ts';
import { sniffDialect } from './sniff.ts';

describe('sniffDialect', () => {
  it.each([
    [',', 'id,name,city\n1,"Doe; Jane",Paris\n2,Bob,Lyon\n'],
    ['\t', 'id\tname\tnote\n1\tAnn\ta, b; c\n2\tBob\t|x|\n'],
    [';', 'id;amount;city\n1;3,50;Köln\n2;4,75;Bonn\n'],
    ['|', 'id|name|tags\n1|Ann|a,b\n2|Bob|c;d\n'],
  ])('detects %j by the most consistent field count', (delimiter, text) => {
    const dialect = sniffDialect(text, true);
    expect(dialect.delimiter).toBe(delimiter);
    expect(dialect.quote).toBe('"');
    expect(dialect.fieldCount).toBe(3);
  });

  it('honours quotes while counting: commas inside quoted fields do not count', () => {
    const text = 'a;b\n"x,y,z";1\n"p,q";2\n';
    expect(sniffDialect(text, true).delimiter).toBe(';');
  });

  it('breaks ties in the order , TAB ; | unless the file name prefers one', () => {
    const text = 'a,b|c\n1,2|3\n';
    expect(sniffDialect(text, true).delimiter).toBe(',');
    expect(sniffDialect(text, true, { preferredDelimiter: '|' }).delimiter).toBe('|');
  });

  it('falls back to a comma for a single-column file', () => {
    expect(sniffDialect('name\nAnn\nBob\n', true)).toMatchObject({ delimiter: ',', fieldCount: 1 });
  });

  it("detects ' quoting when fields quoted with ' hold the delimiter and no field is quoted with \"", () => {
    const dialect = sniffDialect("id,name\n1,'Doe, Jane'\n2,'Roe, Rick'\n", true);
    expect(dialect).toMatchObject({ delimiter: ',', quote: "'", fieldCount: 2 });
    expect(dialect.records[1]?.values).toEqual(['1', 'Doe, Jane']);
    expect(sniffDialect(`id,name\n1,"Doe, Jane"\n2,'it's'\n`, true).quote).toBe('"');
  });

  it('uses the delimiter and quote of the spec', () => {
    const text = 'a,b;c\n1,2;3\n';
    expect(sniffDialect(text, true, { delimiter: ';' })).toMatchObject({ delimiter: ';', fieldCount: 2 });
    expect(sniffDialect('a,"b\n', true, { quote: '' }).records[0]?.values).toEqual(['a', '"b']);
  });

  it('ignores a record cut off at the end of an incomplete head', () => {
    const dialect = sniffDialect('a,b\n1,2\n3,"cut', false);
    expect(dialect.records.map((r) => r.values)).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });
});

describe('detectHeader', () => {
  it('takes a text row above numbers, dates or booleans as a header', () => {
    expect(
      detectHeader([
        ['id', 'name', 'created', 'active'],
        ['1', 'Ann', '2024-01-02', 'true'],
        ['2', 'Bob', '2024-02-03', 'false'],
      ]),
    ).toBe(true);
  });

  it('takes a row of the same kinds as the rows below as data', () => {
    expect(
      detectHeader([
        ['1', 'For Those About To Rock', '1', '0.99'],
        ['2', 'Balls to the Wall', '2', '0.99'],
      ]),
    ).toBe(false);
    expect(
      detectHeader([
        ['AB12', 'x'],
        ['CD34', 'y'],
        ['EF56', 'z'],
      ]),
    ).toBe(false);
  });

  it('takes distinct names above text of varying length as a header (tie)', () => {
    expect(
      detectHeader([
        ['name', 'city'],
        ['Alice', 'Paris'],
        ['Bob', 'London'],
      ]),
    ).toBe(true);
  });

  it('takes a lone row of distinct names as a header, but not a lone row of numbers', () => {
    expect(detectHeader([['id', 'name']])).toBe(true);
    expect(detectHeader([['1', '2']])).toBe(false);
    expect(detectHeader([])).toBe(false);
  });

  it('accepts an empty header cell above an index column', () => {
    expect(
      detectHeader([
        ['', 'a', 'b'],
        ['0', '1.5', 'x'],
        ['1', '2.5', 'yy'],
      ]),
    ).toBe(true);
  });
});

describe('column names', () => {
  it('names empty header cells column_N and keeps duplicates for the column-name rule', () => {
    expect(headerNames(['id', '', 'id', 'Name'])).toEqual(['id', 'column_2', 'id', 'Name']);
    expect(generatedNames(3)).toEqual(['column_1', 'column_2', 'column_3']);
  });
});
