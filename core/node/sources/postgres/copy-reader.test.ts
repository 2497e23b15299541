import { describe, expect, it } from 'vitest';
import { HEX, KEEP, LEAVE_OUT, rewriteLine } from './copy-reader.ts';

const leavingOut = (text: string, start: number, end: number, leftOut: readonly boolean[]) =>
  rewriteLine(
    text,
    start,
    end,
    leftOut.map((out) => (out ? LEAVE_OUT : KEEP)),
  );

describe('rewriteLine', () => {
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
      expect(leavingOut(text, start, start + row.length, leftOut)).toBe(expected);
    }
  });

  it('keeps empty fields in their place', () => {
    expect(leavingOut('\t\t', 0, 2, [false, true, false])).toBe('\t');
    expect(leavingOut('x\t\t', 0, 3, [true, false, false])).toBe('\t');
  });

  it("drops a bytea field's \\x prefix (not NULL's), next to fields kept or left out", () => {
    const row = '7\t\\\\x00ff\tname\t\\N\t\\\\x';
    expect(rewriteLine(row, 0, row.length, [KEEP, HEX, KEEP, HEX, HEX])).toBe('7\t00ff\tname\t\\N\t');
    expect(rewriteLine(row, 0, row.length, [LEAVE_OUT, HEX, LEAVE_OUT, LEAVE_OUT, HEX])).toBe('00ff\t');
    expect(rewriteLine(row, 0, row.length, [KEEP, HEX, KEEP, KEEP, LEAVE_OUT])).toBe('7\t00ff\tname\t\\N');
  });
});
