import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LoadstoneError } from '../../../common/errors.ts';
import type { SourceRow } from '../types.ts';
import { DelimitedTokenizer, type TokenizerOptions } from './tokenizer.ts';

const CSV: TokenizerOptions = { delimiter: ',', quote: '"' };

/** Tokenizes `text` cut at `cuts`; returns the records and the characters the scanner was given. */
function read(
  text: string,
  options: TokenizerOptions,
  cuts: number[] = [],
): { rows: SourceRow[]; scanned: number } {
  const tokenizer = new DelimitedTokenizer(options);
  const rows: SourceRow[] = [];
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    tokenizer.push(text.slice(from, cut), rows);
    from = cut;
  }
  tokenizer.push(text.slice(from), rows);
  tokenizer.finish(rows);
  return {
    rows: rows.map(({ text: _t, textStart: _s, textEnd: _e, ...row }) => row),
    scanned: tokenizer.scanned,
  };
}

/** Tokenizes `text` in pieces of `size` characters. */
function readChunked(
  text: string,
  options: TokenizerOptions,
  size: number,
): { rows: SourceRow[]; scanned: number } {
  const cuts: number[] = [];
  for (let i = size; i < text.length; i += size) cuts.push(i);
  return read(text, options, cuts);
}

const reasons = (rows: SourceRow[]) => rows.map((r) => r.problem?.reason ?? 'ok');

describe('DelimitedTokenizer: long records', () => {
  it('scans a record spanning many chunks a constant number of times (work linear in its length)', () => {
    // One 4 MiB line fed in 1 KiB pieces: rescanning it per piece would hand the scanner ~8 Gi characters.
    const long = 'a'.repeat(4 * 1024 * 1024);
    const text = `id,text\n1,${long}\n2,b\n`;
    const { rows, scanned } = readChunked(text, CSV, 1024);
    expect(rows.map((r) => r.values[0])).toEqual(['id', '1', '2']);
    expect(rows[1]?.values[1]).toHaveLength(long.length);
    expect(scanned).toBeLessThanOrEqual(3 * text.length);
  });

  it('is linear for a long quoted field and a long run of doubled quotes, too', () => {
    const quoted = `1,"${'x\n'.repeat(200_000)}"\n2,"${'""'.repeat(200_000)}"\n3,c\n`;
    const { rows, scanned } = readChunked(quoted, CSV, 777);
    expect(rows.map((r) => r.line)).toEqual([1, 200_002, 200_003]);
    expect(rows[1]?.values[1]).toBe('"'.repeat(200_000));
    expect(scanned).toBeLessThanOrEqual(3 * quoted.length);
  });

  it('rejects a bare line longer than the bound as line_too_long on its line, and reads on', () => {
    const text = `${'a'.repeat(35)}\nb,c\n`;
    for (const size of [1, 7, 64, text.length]) {
      const { rows } = readChunked(text, { ...CSV, maxLineChars: 20 }, size);
      expect(rows).toHaveLength(2);
      expect(rows[0]).toMatchObject({ line: 1, values: [], problem: { reason: 'line_too_long' } });
      expect(rows[0]?.problem?.message).toBe(
        `line 1: longer than 20 characters (the line limit, maxLineChars), so it is not read; it starts "${'a'.repeat(20)}"…, and reading goes on at the next line`,
      );
      expect(rows[1]).toEqual({ line: 2, values: ['b', 'c'] });
    }
  });

  it('takes a record of exactly the bound, and rejects one character more', () => {
    const ok = read('12345,789\nx\n', { ...CSV, maxLineChars: 9 });
    expect(reasons(ok.rows)).toEqual(['ok', 'ok']);
    const over = read('12345,7890\nx\n', { ...CSV, maxLineChars: 9 });
    expect(reasons(over.rows)).toEqual(['line_too_long', 'ok']);
    expect(over.rows[1]?.line).toBe(2);
  });

  it('rejects a long line after a header and keeps the line numbers of the rows after it (CRLF)', () => {
    const text = `id,name\r\n1,ok\r\n2,${'z'.repeat(150)}\r\n3,fine\r\n`;
    for (const size of [1, 2, 5, 50, 1000]) {
      const { rows } = readChunked(text, { ...CSV, maxLineChars: 100 }, size);
      expect(reasons(rows)).toEqual(['ok', 'ok', 'line_too_long', 'ok']);
      expect(rows.map((r) => r.line)).toEqual([1, 2, 3, 4]);
      expect(rows[3]?.values).toEqual(['3', 'fine']);
    }
  });

  it('rejects a long line inside an open quote; the unterminated-quote bound applies first when its line ends', () => {
    // The quote opens on line 2 and the line runs on past the line bound: line_too_long, read on at line 3.
    const open = `a,b\n1,"${'q'.repeat(150)}\n2,x\n`;
    const long = readChunked(open, { ...CSV, maxLineChars: 100, maxQuotedChars: 1000 }, 13);
    expect(reasons(long.rows)).toEqual(['ok', 'line_too_long', 'ok']);
    expect(long.rows.map((r) => r.line)).toEqual([1, 2, 3]);
    // The same open quote on a short line, never closed: the unterminated-quote rule reports it.
    const short = `a,b\n1,"qq\n${'2,x\n'.repeat(60)}`;
    const unterminated = readChunked(short, { ...CSV, maxLineChars: 100, maxQuotedChars: 50 }, 13);
    expect(unterminated.rows[1]).toMatchObject({ line: 2, problem: { reason: 'unterminated_quote' } });
    expect(unterminated.rows.slice(2).every((r) => !r.problem)).toBe(true);
    expect(unterminated.rows).toHaveLength(62);
  });

  it('rejects a quoted multi-line record longer than the bound and restarts at the first line break past it', () => {
    const text = `1,"${'x\n'.repeat(10)}"\n2,y\n`;
    const { rows } = read(text, { ...CSV, maxLineChars: 11 });
    // The bound falls inside the quoted field, on line 5: reading restarts on line 6, inside the field.
    expect(rows[0]).toMatchObject({ line: 1, problem: { reason: 'line_too_long' } });
    expect(rows[1]?.line).toBe(6);
    expect(rows.at(-1)).toEqual({ line: 12, values: ['2', 'y'] });
  });

  it('refuses the file when a line runs on for more than twice the bound (a huge one-line file)', () => {
    const text = `a,b\n${'c'.repeat(250)}`;
    for (const size of [1, 10, text.length]) {
      let error: unknown;
      try {
        readChunked(text, { ...CSV, maxLineChars: 100 }, size);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(LoadstoneError);
      expect(error).toMatchObject({ code: 'SOURCE_FORMAT', details: { line: 2 } });
      expect((error as Error).message).toContain('line 2 runs on for more than 200 characters');
    }
    // Within twice the bound, the line is only rejected.
    const { rows } = read(`a,b\n${'c'.repeat(199)}\nd,e`, { ...CSV, maxLineChars: 100 });
    expect(reasons(rows)).toEqual(['ok', 'line_too_long', 'ok']);
  });

  it('gives the same records whatever the chunking, with a small line bound (property)', () => {
    const alphabet = fc.constantFrom('a', 'b', ',', '"', '\n', '\r', ' ', '\t');
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 80, size: 'max' }).map((chars) => chars.join('')),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.constantFrom(3, 8, 20),
        fc.constantFrom(undefined, 2, 6),
        (text, cuts, maxLineChars, maxQuotedChars) => {
          const options = { ...CSV, maxLineChars, maxQuotedChars };
          const outcome = (at: number[]) => {
            try {
              return read(text, options, at);
            } catch (error) {
              return { error: (error as LoadstoneError).code };
            }
          };
          const whole = outcome([]);
          const chunked = outcome(cuts.map((c) => c % (text.length + 1)));
          if ('error' in whole || 'error' in chunked) {
            expect(chunked).toEqual(whole);
            return;
          }
          expect(chunked.rows).toEqual(whole.rows);
          // Each character reaches the scanner a bounded number of times, whatever the chunking.
          expect(chunked.scanned).toBeLessThanOrEqual(2 * text.length + 2);
        },
      ),
      { numRuns: 4000, seed: 6464 },
    );
  });
});
