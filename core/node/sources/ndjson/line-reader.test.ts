import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LoadstoneError } from '../../../common/errors.ts';
import type { ParsedOutput } from '../json/json-record.ts';
import { ProblemItem, RecordItem } from '../json/json-record.ts';
import { type LineReading, TextLineSplitter, Utf8LineSplitter } from './line-reader.ts';
import { NdjsonLineParser } from './ndjson-line.ts';

const reading = (maxChars: number): LineReading => ({
  parser: new NdjsonLineParser(),
  maxChars,
  path: 'f.ndjson',
});

/** What an item says, for comparing: line, kind and reason. */
function summary(items: ParsedOutput[]): string[] {
  return items.map((item) => {
    if (item instanceof RecordItem) return `${item.line}:record:${item.keys.join('|')}`;
    if (item instanceof ProblemItem) return `${item.line}:${item.reason}`;
    return `${item.line}:row`;
  });
}

/** Splits `bytes` cut at `cuts` (bytes) and `text` likewise; returns the summaries or the error code. */
function splitBytes(bytes: Buffer, cuts: number[], maxChars: number): string[] | string {
  const splitter = new Utf8LineSplitter(reading(maxChars));
  const out: ParsedOutput[] = [];
  try {
    let from = 0;
    for (const cut of [...cuts].sort((a, b) => a - b)) {
      splitter.push(bytes.subarray(from, cut), out);
      from = cut;
    }
    splitter.push(bytes.subarray(from), out);
    splitter.finish(out);
  } catch (error) {
    return (error as LoadstoneError).code;
  }
  return summary(out);
}

function splitText(text: string, cuts: number[], maxChars: number): string[] | string {
  const splitter = new TextLineSplitter(reading(maxChars));
  const out: ParsedOutput[] = [];
  try {
    let from = 0;
    for (const cut of [...cuts].sort((a, b) => a - b)) {
      splitter.push(text.slice(from, cut), out);
      from = cut;
    }
    splitter.push(text.slice(from), out);
    splitter.finish(out);
  } catch (error) {
    return (error as LoadstoneError).code;
  }
  return summary(out);
}

describe('NDJSON line splitting with a line bound', () => {
  it('rejects a line longer than the bound as line_too_long on its line and reads the next ones', () => {
    const text = `{"a":1}\n{"a":"${'x'.repeat(40)}"}\n\n{"a":3}`;
    for (const size of [1, 3, 16, text.length]) {
      const cuts = Array.from({ length: Math.ceil(text.length / size) }, (_, i) => i * size);
      expect(splitBytes(Buffer.from(text), cuts, 30)).toEqual([
        '1:record:a',
        '2:line_too_long',
        '4:record:a',
      ]);
      expect(splitText(text, cuts, 30)).toEqual(['1:record:a', '2:line_too_long', '4:record:a']);
    }
  });

  it('keeps no text of a too-long line and says why in the message', () => {
    const out: ParsedOutput[] = [];
    const splitter = new Utf8LineSplitter(reading(10));
    splitter.push(Buffer.from(`{"a":"${'y'.repeat(12)}"}\n`), out);
    splitter.finish(out);
    expect(out[0]).toBeInstanceOf(ProblemItem);
    expect(out[0]).toMatchObject({
      line: 1,
      reason: 'line_too_long',
      rawText: undefined,
      message:
        'line 1: longer than 10 characters (the line limit, maxLineChars), so it is not read; reading goes on at the next line',
    });
  });

  it('counts characters, not bytes: a line of 10 two-byte characters fits a bound of 10', () => {
    const line = `"${'é'.repeat(8)}"`; // 10 characters, 18 bytes: not an object, but not too long
    expect(splitBytes(Buffer.from(line), [5, 11], 10)).toEqual(['1:not_an_object']);
    expect(splitBytes(Buffer.from(`${line}x`), [5, 11], 10)).toEqual(['1:line_too_long']);
  });

  it('refuses the file when a line runs on for twice the bound', () => {
    const text = `{"a":1}\n${'z'.repeat(61)}`;
    expect(splitBytes(Buffer.from(text), [9, 20, 40], 30)).toBe('SOURCE_FORMAT');
    expect(splitText(text, [], 30)).toBe('SOURCE_FORMAT');
    expect(splitBytes(Buffer.from(`${'z'.repeat(60)}\n{"a":1}`), [7], 30)).toEqual([
      '1:line_too_long',
      '2:record:a',
    ]);
  });

  it('reads a 4 MiB line fed in 1 KiB chunks without copying it once per chunk', () => {
    const value = 'v'.repeat(4 * 1024 * 1024);
    const bytes = Buffer.from(`{"big":"${value}"}\n{"big":"small"}\n`);
    const splitter = new Utf8LineSplitter(reading(64 * 1024 * 1024));
    const out: ParsedOutput[] = [];
    for (let i = 0; i < bytes.length; i += 1024) splitter.push(bytes.subarray(i, i + 1024), out);
    splitter.finish(out);
    expect(summary(out)).toEqual(['1:record:big', '2:record:big']);
    expect((out[0] as RecordItem).values[0]).toHaveLength(value.length);
  });

  it('gives the same items whatever the chunking (property)', () => {
    const unit = fc.constantFrom('{"a":1}', '{"b":"é"}', '\n', '\r\n', 'x', '"', ' ', '😀');
    fc.assert(
      fc.property(
        fc.array(unit, { maxLength: 30 }).map((parts) => parts.join('')),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.constantFrom(4, 9, 20),
        (text, cuts, maxChars) => {
          const bytes = Buffer.from(text);
          const byteCuts = cuts.map((c) => c % (bytes.length + 1));
          expect(splitBytes(bytes, byteCuts, maxChars)).toEqual(splitBytes(bytes, [], maxChars));
          const textCuts = cuts.map((c) => c % (text.length + 1));
          expect(splitText(text, textCuts, maxChars)).toEqual(splitText(text, [], maxChars));
          // Bytes and text agree on every line's fate (lengths are counted the same way).
          expect(splitText(text, [], maxChars)).toEqual(splitBytes(bytes, [], maxChars));
        },
      ),
      { numRuns: 2000, seed: 1313 },
    );
  });
});
