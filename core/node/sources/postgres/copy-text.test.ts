import { describe, expect, it } from 'vitest';
import { unescapeCopyField } from '../../pg/copy-escapes.ts';
import { parseCopyRow } from './copy-text.ts';

const asText = (t: string): unknown => t;

describe('COPY text rows', () => {
  it('split at tabs, \\N is NULL, each field through its parser', () => {
    const text = 'x\t1\t\\N\t\tlast\ny';
    expect(parseCopyRow(text, 2, 12, [Number, asText, asText, asText])).toEqual([1, null, '', 'last']);
    expect(parseCopyRow('7\tseven', 0, 7, [Number, asText])).toEqual([7, 'seven']);
  });

  it('decode every escape the server writes, and octal/hex bytes as UTF-8', () => {
    const field = String.raw`a\tb\nc\rd\\e\bf\fg\vh\\N`;
    expect(unescapeCopyField(field, 0, field.length)).toBe('a\tb\nc\rd\\e\bf\fg\vh\\N');
    const bytes = String.raw`\303\251t\xc3\xa9 \q`;
    expect(unescapeCopyField(bytes, 0, bytes.length)).toBe('été q');
    // A literal backslash-N text is written `\\N`: not NULL.
    expect(parseCopyRow(String.raw`\\N`, 0, 3, [asText])).toEqual(['\\N']);
    expect(parseCopyRow(String.raw`tab\there`, 0, 9, [asText])).toEqual(['tab\there']);
  });
});
