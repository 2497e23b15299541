import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonText } from '../../common/types.ts';
import { CopyBytes } from './copy-bytes.ts';
import { CopyRowWriter, escapeCopyText, fieldWriterFor, UnloadableValue } from './copy-text.ts';
import { roundsAtScale } from './fraction-limit.ts';

/** PostgreSQL's reading of a COPY text field (the escapes we produce), to check the round trip. */
function readCopyField(field: string): string {
  return field.replace(/\\(.)/g, (_, c: string) => ({ t: '\t', n: '\n', r: '\r', '\\': '\\' })[c] ?? c);
}

describe('escapeCopyText', () => {
  it('escapes backslash, tab, newline and carriage return, nothing else', () => {
    expect(escapeCopyText('plain, "quoted" \'x\' ✓')).toBe('plain, "quoted" \'x\' ✓');
    expect(escapeCopyText('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
    expect(escapeCopyText('\\.')).toBe('\\\\.');
    expect(escapeCopyText('emoji 🎉 pair')).toBe('emoji 🎉 pair');
  });

  it('round-trips any well-formed string without NUL, and never leaves a raw separator', () => {
    const piece = fc.oneof(
      fc.constantFrom('\\', '\t', '\n', '\r', '\\.', '"', '\\N'),
      fc.string({ unit: 'grapheme', maxLength: 8 }),
    );
    const text = fc.array(piece, { maxLength: 12 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(text, (s) => {
        const field = escapeCopyText(s);
        expect(field).not.toMatch(/[\t\n\r]/);
        expect(readCopyField(field)).toBe(s);
      }),
    );
  });

  it('refuses NUL and unpaired surrogates, which COPY cannot carry faithfully', () => {
    expect(() => escapeCopyText('a\u0000b')).toThrow(UnloadableValue);
    expect(() => escapeCopyText('lone \ud800 high')).toThrow(/unpaired UTF-16 surrogate/);
    expect(() => escapeCopyText('lone \udc00 low')).toThrow(UnloadableValue);
    expect(() => escapeCopyText('\ud83c')).toThrow(UnloadableValue);
  });
});

describe('field writers', () => {
  it('write each type in a form PostgreSQL reads back exactly', () => {
    expect(fieldWriterFor('integer')(42)).toBe('42');
    expect(fieldWriterFor('bigint')('12345678901234567890')).toBe('12345678901234567890');
    expect(fieldWriterFor('numeric')('-0.000001')).toBe('-0.000001');
    expect(fieldWriterFor('boolean')(true)).toBe('t');
    expect(fieldWriterFor('boolean')(false)).toBe('f');
    expect(fieldWriterFor('jsonb')({ a: 'tab\there', b: [1, null] })).toBe(
      '{"a":"tab\\\\there","b":[1,null]}',
    );
    expect(fieldWriterFor('jsonb')('a string')).toBe('"a string"');
    expect(fieldWriterFor('jsonb')(new JsonText('{"n": 1.10}'))).toBe('{"n": 1.10}');
    expect(fieldWriterFor('text')('x\\y')).toBe('x\\\\y');
  });

  it('refuse non-finite numbers', () => {
    expect(() => fieldWriterFor('numeric')(Number.NaN)).toThrow(UnloadableValue);
    expect(() => fieldWriterFor('integer')(Number.POSITIVE_INFINITY)).toThrow(UnloadableValue);
  });
});

describe('CopyRowWriter', () => {
  const writer = new CopyRowWriter(['integer', 'text', 'boolean', 'jsonb']);

  it('joins fields with tabs, ends with a newline, writes NULL as \\N, puts the ordinal first', () => {
    expect(writer.write([1, 'a b', null, null])).toBe('1\ta b\t\\N\t\\N\n');
    expect(writer.write([2, '', true, [1]], 7)).toBe('7\t2\t\tt\t[1]\n');
  });

  it('names the cell it cannot write', () => {
    const result = writer.write([1, 'bad\u0000', true, null]);
    expect(result).toMatchObject({ index: 1, problem: { reason: 'invalid_text' } });
  });

  it('encodes rows straight to UTF-8 bytes exactly as the field writers write them (property)', () => {
    const types = ['integer', 'numeric', 'text', 'boolean', 'jsonb', 'date'] as const;
    const bytesWriter = new CopyRowWriter([...types]);
    const text = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 12 }),
      fc.constantFrom('\\', '\t', '\n', '\r', '\\N', 'Zoë ✓ 🎉', '\u0080\u07ff\u0800\uffff'),
    );
    const number = fc.oneof(
      fc.integer(),
      fc.constantFrom(0, -0, 2 ** 31, -(2 ** 31), 2 ** 31 - 1, 2 ** 53, 1e21, 0.1, -1.5e-7),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
    );
    const row = fc.tuple(
      fc.option(fc.oneof(number, text), { nil: null }),
      fc.option(fc.oneof(number, text), { nil: null }),
      fc.option(fc.oneof(text, number, fc.boolean()), { nil: null }),
      fc.option(fc.oneof(fc.boolean(), text), { nil: null }),
      fc.option(fc.oneof(text, fc.jsonValue()), { nil: null }),
      fc.option(text, { nil: null }),
    );
    fc.assert(
      fc.property(row, fc.option(fc.nat(), { nil: undefined }), (values, ordinal) => {
        let expected: string;
        try {
          expected = `${ordinal === undefined ? '' : `${ordinal}\t`}${values
            .map((v, i) => (v === null ? '\\N' : fieldWriterFor(types[i]!)(v as never)))
            .join('\t')}\n`;
        } catch (error) {
          if (!(error instanceof UnloadableValue)) throw error;
          const out = new CopyBytes(8);
          out.putRaw('kept');
          expect(bytesWriter.encode(values as never, out, ordinal)).toMatchObject({
            problem: { reason: error.reason },
          });
          expect(out.buf.toString('utf8', 0, out.used)).toBe('kept'); // nothing of the row is left
          return;
        }
        const out = new CopyBytes(8); // tiny, so it has to grow
        out.putRaw('before\n');
        expect(bytesWriter.encode(values as never, out, ordinal)).toBeNull();
        expect(out.buf.subarray(0, out.used).equals(Buffer.from(`before\n${expected}`))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('hands over whole pieces and starts a new buffer', () => {
    const out = new CopyBytes(16);
    writer.encode([1, 'x', true, null], out);
    const piece = out.take();
    expect(piece.toString()).toBe('1\tx\tt\t\\N\n');
    expect(out.used).toBe(0);
    writer.encode([2, 'y', false, null], out);
    expect(piece.toString()).toBe('1\tx\tt\t\\N\n'); // the piece handed over is not reused
  });
});

describe('values a target column would round', () => {
  it('roundsAtScale: only digits that rounding to the scale would drop count', () => {
    const cases: [string, number, boolean][] = [
      ['12.34', 2, false],
      ['12.340', 2, false],
      ['12.345', 2, true],
      ['-0.005', 2, true],
      ['0', 0, false],
      ['-0.000', 0, false],
      ['1500', 0, false],
      ['1e-7', 6, true],
      ['1.5e-6', 7, false],
      ['1.50e3', 0, false],
      ['1200', -2, false],
      ['1250', -2, true],
      ['99999999999999999999.1', 1, false],
    ];
    for (const [text, scale, rounds] of cases)
      expect([text, scale, roundsAtScale(text, scale)]).toEqual([text, scale, rounds]);
  });

  it('refuses a value the column would round, as too_many_decimals, and writes nothing of the row', () => {
    const limited = new CopyRowWriter(
      ['integer', 'numeric', 'timestamptz'],
      [
        null,
        { kind: 'decimal', digits: 2, display: 'numeric(10,2)' },
        { kind: 'seconds', digits: 0, display: 'timestamp(0) with time zone' },
      ],
    );
    const out = new CopyBytes(64);
    expect(limited.encode([1, '12.340', '2024-01-01T00:00:00.000Z'], out)).toBeNull();
    expect(limited.encode([2, '12.345', '2024-01-01T00:00:00Z'], out)).toMatchObject({
      index: 1,
      problem: {
        reason: 'too_many_decimals',
        message:
          'would be rounded: 12.345 has more decimal places than numeric(10,2) keeps (2); widen the column or round the value in the source',
      },
    });
    expect(limited.encode([3, 0.001, null], out)).toMatchObject({ index: 1 });
    expect(limited.encode([4, '1', '2024-01-01T00:00:00.5Z'], out)).toMatchObject({
      index: 2,
      problem: {
        message: expect.stringContaining(
          'more fractional-second digits than timestamp(0) with time zone keeps (0)',
        ),
      },
    });
    expect(out.buf.toString('utf8', 0, out.used)).toBe('1\t12.340\t2024-01-01T00:00:00.000Z\n');
  });
});
