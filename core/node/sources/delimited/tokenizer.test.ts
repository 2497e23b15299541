import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SourceRow } from '../types.ts';
import { DelimitedTokenizer, reparseRecord, type TokenizerOptions } from './tokenizer.ts';

const CSV: TokenizerOptions = { delimiter: ',', quote: '"' };

/**
 * Checks that every record without a problem says where its text is, and that reading that text
 * again gives the same values (what the loader relies on to report a refused row), then drops those
 * fields so the tests compare what was read.
 */
function checkedRecords(out: SourceRow[], options: TokenizerOptions): SourceRow[] {
  return out.map(({ text, textStart, textEnd, ...row }) => {
    if (row.problem) expect(text).toBeUndefined();
    else {
      expect(text).toBeTypeOf('string');
      expect(reparseRecord(options, text!.slice(textStart, textEnd))).toEqual(row.values);
    }
    return row;
  });
}

/** Tokenizes `text` fed in pieces of `chunk` characters (whole text when omitted). */
function tokenize(text: string, options: TokenizerOptions = CSV, chunk = text.length || 1): SourceRow[] {
  const tokenizer = new DelimitedTokenizer(options);
  const out: SourceRow[] = [];
  for (let i = 0; i < text.length; i += chunk) tokenizer.push(text.slice(i, i + chunk), out);
  tokenizer.finish(out);
  return checkedRecords(out, options);
}

/** Same, with the text cut at the given positions. */
function tokenizeCut(text: string, cuts: number[], options: TokenizerOptions = CSV): SourceRow[] {
  const tokenizer = new DelimitedTokenizer(options);
  const out: SourceRow[] = [];
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    tokenizer.push(text.slice(from, cut), out);
    from = cut;
  }
  tokenizer.push(text.slice(from), out);
  tokenizer.finish(out);
  return checkedRecords(out, options);
}

const lines = (rows: SourceRow[]) => rows.map((r) => r.line);
const values = (rows: SourceRow[]) => rows.map((r) => r.values);

describe('DelimitedTokenizer', () => {
  it('splits plain fields, keeps empty fields as empty strings, reads a last line without a line break', () => {
    const rows = tokenize('a,b,c\n1,,3\n,,\nx,y,z');
    expect(values(rows)).toEqual([
      ['a', 'b', 'c'],
      ['1', '', '3'],
      ['', '', ''],
      ['x', 'y', 'z'],
    ]);
    expect(lines(rows)).toEqual([1, 2, 3, 4]);
    expect(rows.every((r) => r.problem === undefined)).toBe(true);
  });

  it('reads quoted fields holding delimiters, doubled quotes and line breaks (CRLF kept as is)', () => {
    const rows = tokenize('id,text\r\n1,"a, b"\r\n2,"say ""hi"""\r\n3,"two\r\nlines"\r\n4,""\r\n');
    expect(values(rows)).toEqual([
      ['id', 'text'],
      ['1', 'a, b'],
      ['2', 'say "hi"'],
      ['3', 'two\r\nlines'],
      ['4', ''],
    ]);
    expect(lines(rows)).toEqual([1, 2, 3, 4, 6]);
  });

  it('accepts LF, CRLF and lone CR line ends, also mixed in one file', () => {
    expect(values(tokenize('a\nb\r\nc\rd'))).toEqual([['a'], ['b'], ['c'], ['d']]);
    expect(lines(tokenize('a\nb\r\nc\rd'))).toEqual([1, 2, 3, 4]);
    expect(lines(tokenize('"x\ry",1\rz,2\r'))).toEqual([1, 3]);
  });

  it('counts physical lines inside multi-line quoted fields so later line numbers stay right', () => {
    const text = 'h1,h2\n1,"a\nb\nc"\n2,"d\r\ne"\n3,"f\rg"\n4,x\n';
    const rows = tokenize(text);
    expect(lines(rows)).toEqual([1, 2, 5, 7, 9]);
    expect(rows[4]?.values).toEqual(['4', 'x']);
  });

  it('skips blank lines (they are not records) but counts them', () => {
    const rows = tokenize('a,b\n\n1,2\r\n\r\n\r3,4\n\n');
    expect(values(rows)).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', '4'],
    ]);
    expect(lines(rows)).toEqual([1, 3, 6]);
  });

  it('keeps a whitespace-only line as a record (it is not empty)', () => {
    expect(values(tokenize('a\n \nb'))).toEqual([['a'], [' '], ['b']]);
  });

  it('flags a quote inside an unquoted field as stray_quote and keeps the text as written', () => {
    const rows = tokenize('a,b,c\n1,ab"c,3\n4,5,6\n');
    expect(rows[1]).toMatchObject({
      line: 2,
      values: ['1', 'ab"c', '3'],
      problem: { reason: 'stray_quote' },
    });
    expect(rows[1]?.problem?.message).toContain('line 2');
    expect(rows[1]?.problem?.message).toContain('field 2');
    expect(rows[2]).toEqual({ line: 3, values: ['4', '5', '6'] });
  });

  it('flags text after a closing quote as stray_quote and keeps the field as written, blanks included', () => {
    const rows = tokenize('1,"ab"c,3\n2, "x" y,z\n3,ok,"z"\n');
    expect(rows[0]).toMatchObject({ values: ['1', '"ab"c', '3'], problem: { reason: 'stray_quote' } });
    expect(rows[1]).toMatchObject({ values: ['2', ' "x" y', 'z'], problem: { reason: 'stray_quote' } });
    expect(rows[1]?.problem?.message).toBe(
      'line 2: text after the closing quote of field 2 (only spaces or tabs may stand between a closing quote and the next delimiter or line end)',
    );
    expect(rows[2]).toEqual({ line: 3, values: ['3', 'ok', 'z'] });
  });

  it('says which field holds a quote after other text, and why', () => {
    const rows = tokenize('1, x "a"\n');
    expect(rows[0]).toMatchObject({ values: ['1', ' x "a"'], problem: { reason: 'stray_quote' } });
    expect(rows[0]?.problem?.message).toBe(
      'line 1: a quote (") inside unquoted field 2 (a quoted field may have only spaces or tabs before its opening quote)',
    );
  });

  it('ignores spaces and tabs around a quoted field, at line start and end too (pgloader, skipinitialspace)', () => {
    const rows = tokenize('a, "b, c" ,d\n \t"x"\t, "y""z"  \r\n"" ,  ""\t\n1,"last"  ');
    expect(values(rows)).toEqual([
      ['a', 'b, c', 'd'],
      ['x', 'y"z'],
      ['', ''],
      ['1', 'last'],
    ]);
    expect(lines(rows)).toEqual([1, 2, 3, 4]);
    expect(rows.every((r) => !r.problem)).toBe(true);
  });

  it('keeps the blanks of an unquoted field, and a blank-only field', () => {
    const rows = tokenize('1,  x  ,\t\n2, ,x y\n');
    expect(values(rows)).toEqual([
      ['1', '  x  ', '\t'],
      ['2', ' ', 'x y'],
    ]);
    expect(rows.every((r) => !r.problem)).toBe(true);
  });

  it('counts the line breaks of a quoted field that follows blanks', () => {
    const rows = tokenize('1,  "a\nb" \n2,x\n');
    expect(rows).toEqual([
      { line: 1, values: ['1', 'a\nb'] },
      { line: 3, values: ['2', 'x'] },
    ]);
  });

  it('takes a tab (or space) that is the delimiter as a delimiter, never as a blank', () => {
    const tsv = { delimiter: '\t', quote: '"' };
    expect(values(tokenize('a\t "b" \tc\na\t\t"b"\t\n', tsv))).toEqual([
      ['a', 'b', 'c'],
      ['a', '', 'b', ''],
    ]);
    const ssv = { delimiter: ' ', quote: '"' };
    expect(values(tokenize('a \t"b c"\t x\n"p"  "q"\n', ssv))).toEqual([
      ['a', 'b c', 'x'],
      ['p', '', 'q'],
    ]);
  });

  it('keeps blanks before an unterminated quote in the field it reports', () => {
    const rows = tokenize('1,  "open\n2,y\n');
    expect(rows[0]).toMatchObject({
      line: 1,
      values: ['1', '  "open'],
      problem: { reason: 'unterminated_quote' },
    });
    expect(rows[1]).toEqual({ line: 2, values: ['2', 'y'] });
  });

  it('reports an unterminated quote at the end of the file on its line and re-reads the lines after it', () => {
    const text = 'a,b\n1,x\n2,"open\n3,y\n4,z\n';
    const rows = tokenize(text);
    expect(rows[2]).toMatchObject({
      line: 3,
      values: ['2', '"open'],
      problem: { reason: 'unterminated_quote' },
    });
    expect(rows[2]?.problem?.message).toContain('line 3');
    expect(rows.slice(3)).toEqual([
      { line: 4, values: ['3', 'y'] },
      { line: 5, values: ['4', 'z'] },
    ]);
  });

  it('reports an unterminated quote on the last line as the last record', () => {
    const rows = tokenize('a|b\n1|x\n10|"plop', { delimiter: '|', quote: '"' });
    expect(rows).toHaveLength(3);
    expect(rows[2]).toMatchObject({
      line: 3,
      values: ['10', '"plop'],
      problem: { reason: 'unterminated_quote' },
    });
  });

  it('gives up on a quoted field open past the bound and reads on from the next line (line 3 of 10)', () => {
    const body = Array.from({ length: 10 }, (_, i) =>
      i === 2 ? `${i + 1},"never closed` : `${i + 1},row ${i + 1}`,
    );
    const text = `${body.join('\n')}\n`;
    // With a 20-character bound the open quote is given up on long before the end of the file.
    const rows = tokenize(text, { ...CSV, maxQuotedChars: 20 }, 4);
    expect(rows).toHaveLength(10);
    expect(rows[2]).toMatchObject({
      line: 3,
      values: ['3', '"never closed'],
      problem: { reason: 'unterminated_quote' },
    });
    expect(rows[2]?.problem?.message).toContain('not closed within 20 characters');
    expect(rows.filter((r) => r.problem)).toHaveLength(1);
    expect(lines(rows)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(rows[9]?.values).toEqual(['10', 'row 10']);
  });

  it('keeps a long but closed quoted field whole', () => {
    const long = 'x\n'.repeat(50_000);
    const rows = tokenize(`1,"${long}"\n2,b\n`, CSV, 4096);
    expect(rows[0]?.values).toEqual(['1', long]);
    expect(rows[1]).toEqual({ line: 50_002, values: ['2', 'b'] });
  });

  it("treats a quote as data when quoting is off (quote '')", () => {
    const rows = tokenize('a|b\n"x|y"\n', { delimiter: '|', quote: '' });
    expect(values(rows)).toEqual([
      ['a', 'b'],
      ['"x', 'y"'],
    ]);
    expect(rows.every((r) => !r.problem)).toBe(true);
  });

  it('reads a trailing delimiter as an empty last field, with quoting off too, whatever the chunking', () => {
    for (const quote of ['"', '']) {
      const options = { delimiter: '|', quote };
      const text = 'a|b|\nc||\n|';
      const whole = tokenize(text, options);
      expect(values(whole)).toEqual([
        ['a', 'b', ''],
        ['c', '', ''],
        ['', ''],
      ]);
      for (let size = 1; size <= 4; size++) expect(tokenize(text, options, size)).toEqual(whole);
    }
  });

  it('uses another quote character when told', () => {
    expect(values(tokenize("1;'a;b';'it''s'\n", { delimiter: ';', quote: "'" }))).toEqual([
      ['1', 'a;b', "it's"],
    ]);
  });

  it('handles chunk boundaries inside a quoted field, inside a doubled quote and between CR and LF', () => {
    const text = 'a,b\r\n"q,""x""\r\nz",2\r\n3,4\r\n"end"';
    const whole = tokenize(text);
    expect(values(whole)).toEqual([['a', 'b'], ['q,"x"\r\nz', '2'], ['3', '4'], ['end']]);
    for (let size = 1; size <= 8; size++) expect(tokenize(text, CSV, size)).toEqual(whole);
    for (let cut = 0; cut <= text.length; cut++) expect(tokenizeCut(text, [cut])).toEqual(whole);
  });

  it('gives the same records when a chunk boundary cuts a blank run around a quoted field', () => {
    const text = 'a,  \t  "b, c"  \t  ,d\r\n  "e"  \r\n"f"  \t  "g"\n "h"   ';
    const whole = tokenize(text);
    expect(values(whole)).toEqual([['a', 'b, c', 'd'], ['e'], ['"f"  \t  "g"'], ['h']]);
    expect(whole[2]?.problem?.reason).toBe('stray_quote');
    for (let size = 1; size <= 8; size++) expect(tokenize(text, CSV, size)).toEqual(whole);
    for (let cut = 0; cut <= text.length; cut++) {
      expect(tokenizeCut(text, [cut])).toEqual(whole);
      expect(tokenizeCut(text, [cut, cut + 1, cut + 3])).toEqual(whole);
    }
  });

  it('gives the same records whatever the chunking, for any dialect (property)', () => {
    const alphabet = fc.constantFrom('a', 'b', ',', ';', '"', "'", '\n', '\r', ' ', ' ', '\t', 'é');
    const dialects: TokenizerOptions[] = [
      CSV,
      { delimiter: ';', quote: '' },
      { delimiter: ',', quote: "'" },
      { delimiter: '\t', quote: '"' },
      { delimiter: ' ', quote: '"' },
    ];
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 60, size: 'max' }).map((chars) => chars.join('')),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.constantFrom(...dialects),
        fc.constantFrom(undefined, 3),
        (text, cuts, dialect, maxQuotedChars) => {
          // The bound for open quotes must not make the result depend on the chunking either.
          const options = { ...dialect, maxQuotedChars };
          const inRange = cuts.map((c) => c % (text.length + 1));
          expect(tokenizeCut(text, inRange, options)).toEqual(tokenize(text, options));
        },
      ),
      { numRuns: 3000, seed: 4180 },
    );
  });

  it('reads back any table written with RFC 4180 quoting, with blanks around the quotes (property)', () => {
    const field = fc.string({
      unit: fc.constantFrom('a', 'Z', '1', ',', '"', '\n', '\r\n', ' ', '\t', '€', '😀'),
      maxLength: 8,
    });
    const blanks = fc.string({ unit: fc.constantFrom(' ', '\t'), maxLength: 3 });
    const cell = fc.record({ value: field, before: blanks, after: blanks });
    const table = fc
      .integer({ min: 1, max: 4 })
      .chain((n) => fc.array(fc.array(cell, { minLength: n, maxLength: n }), { minLength: 1, maxLength: 8 }));
    fc.assert(
      fc.property(table, fc.constantFrom('\n', '\r\n', '\r'), fc.nat({ max: 9 }), (rows, eol, chunk) => {
        const quote = (c: { value: string; before: string; after: string }) =>
          `${c.before}"${c.value.replaceAll('"', '""')}"${c.after}`;
        const text = rows.map((r) => r.map(quote).join(',')).join(eol);
        const parsed = tokenize(text, CSV, chunk + 1);
        expect(values(parsed)).toEqual(rows.map((r) => r.map((c) => c.value)));
        expect(parsed.every((r) => !r.problem)).toBe(true);
        // Each record starts after the line breaks of the records before it.
        let line = 1;
        parsed.forEach((r, i) => {
          expect(r.line).toBe(line);
          line += 1 + (rows[i] ?? []).reduce((n, c) => n + (c.value.match(/\r\n|\n|\r/g)?.length ?? 0), 0);
        });
      }),
      { numRuns: 500, seed: 7 },
    );
  });
});
