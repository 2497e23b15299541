import { describe, expect, it } from 'vitest';
import { keptFields } from './copy-reader.ts';

describe('keptFields', () => {
  const row = 'a\t\\N\t\tb\\tc\tlast';
  const fields = row.split('\t');
  const cases: boolean[][] = [];
  for (let mask = 1; mask < 1 << fields.length; mask++) {
    // Every way to leave some (not all) of the five fields out.
    const leftOut = fields.map((_, i) => (mask & (1 << i)) !== 0);
    if (!leftOut.every(Boolean)) cases.push(leftOut);
  }

  it('writes the row again without the fields left out, whichever they are', () => {
    const text = `first line\n${row}\nnext`;
    const start = text.indexOf(row);
    for (const leftOut of cases) {
      const expected = fields.filter((_, i) => !leftOut[i]).join('\t');
      expect(keptFields(text, start, start + row.length, leftOut)).toBe(expected);
    }
  });

  it('keeps empty fields in their place', () => {
    expect(keptFields('\t\t', 0, 2, [false, true, false])).toBe('\t');
    expect(keptFields('x\t\t', 0, 3, [true, false, false])).toBe('\t');
  });
});
