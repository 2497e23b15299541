import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_NULL_TOKENS } from './defaults.ts';
import { isTrimSpace, makeNullCheck, trimCell } from './nulls.ts';

describe('trimCell', () => {
  it('returns the very same string when neither end is a space', () => {
    const text = 'a b';
    expect(trimCell(text)).toBe(text);
    expect(trimCell('')).toBe('');
  });

  it('trims ASCII whitespace, no-break spaces and a stray BOM on both ends', () => {
    expect(trimCell(' \t12\r\n')).toBe('12');
    expect(trimCell('\u00a012 345\u202f')).toBe('12 345');
    expect(trimCell('\u2007x\ufeff')).toBe('x');
    expect(trimCell('\ufeffid')).toBe('id');
    expect(trimCell(' \u00a0 ')).toBe('');
  });

  it('keeps inner spaces and does not trim other Unicode spaces (documented set only)', () => {
    expect(trimCell('  New  York ')).toBe('New  York');
    expect(trimCell('\u2003x')).toBe('\u2003x');
  });

  it('is idempotent and leaves no trim-space at either end', () => {
    const spaces = fc.constantFrom(' ', '\t', '\n', '\u00a0', '\u202f', '\u2007', '\ufeff', 'a', '1', 'é');
    fc.assert(
      fc.property(
        fc.array(spaces).map((chars) => chars.join('')),
        (text) => {
          const trimmed = trimCell(text);
          expect(trimCell(trimmed)).toBe(trimmed);
          if (trimmed.length > 0) {
            expect(isTrimSpace(trimmed.charCodeAt(0))).toBe(false);
            expect(isTrimSpace(trimmed.charCodeAt(trimmed.length - 1))).toBe(false);
          }
          expect(text.includes(trimmed)).toBe(true);
        },
      ),
    );
  });
});

describe('makeNullCheck', () => {
  it('matches the default tokens exactly and case-sensitively', () => {
    const isNull = makeNullCheck();
    for (const token of DEFAULT_NULL_TOKENS) expect(isNull(token)).toBe(true);
    for (const text of ['Null', 'NONE', 'na', '--', '0', 'nulls', 'N/A ']) expect(isNull(text)).toBe(false);
  });

  it('uses a configured list instead of the defaults', () => {
    const isNull = makeNullCheck(['\\N', '(missing)']);
    expect(isNull('\\N')).toBe(true);
    expect(isNull('(missing)')).toBe(true);
    expect(isNull('NULL')).toBe(false);
    expect(isNull('')).toBe(false);
  });

  it('treats nothing as null for an empty list, and only the empty string for [""]', () => {
    expect(makeNullCheck([])('')).toBe(false);
    const onlyEmpty = makeNullCheck(['']);
    expect(onlyEmpty('')).toBe(true);
    expect(onlyEmpty('NULL')).toBe(false);
  });

  it('compares tokens trimmed, as cells are', () => {
    expect(makeNullCheck([' NIL '])('NIL')).toBe(true);
  });
});
