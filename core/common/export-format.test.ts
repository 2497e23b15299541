import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  exportLayout,
  FIXING_ERROR_COLUMN,
  guardCell,
  isFormulaLike,
  REPORT_COLUMNS,
  unguardCell,
} from './export-format.ts';

describe('formula guard', () => {
  it.each(['＝1+1', '＋1', '－1', '＠SUM(A1)', '﹦1', '﹢1', '﹣1', '－45', '=1+1', '@x', '\tx'])(
    'neutralises %j, full-width and small forms included',
    (text) => {
      expect(isFormulaLike(text)).toBe(true);
      expect(guardCell(text)).toBe(`'${text}`);
    },
  );

  it('keeps plain ASCII numbers and ordinary text', () => {
    for (const text of ['-45.10', '+3', '-12%', 'a=b', '', '１２', "'quoted"])
      expect(guardCell(text)).toBe(text);
  });

  it("guards a cell that already starts with ' before a formula, so the guard can be undone exactly", () => {
    expect(guardCell("'=1")).toBe("''=1");
    expect(unguardCell("''=1")).toBe("'=1");
    expect(unguardCell("'=1")).toBe('=1');
    expect(unguardCell("'quoted")).toBe("'quoted"); // not a guard: nothing after it is formula-like
  });

  it('unguard(guard(x)) is x for any text (property)', () => {
    const text = fc.oneof(
      fc.string({ unit: 'grapheme' }),
      fc
        .tuple(
          fc.constantFrom('', "'", "''"),
          fc.constantFrom('=', '+', '-', '@', '＝', '﹣', '\t', 'a', '1'),
          fc.string(),
        )
        .map(([q, s, r]) => q + s + r),
    );
    fc.assert(
      fc.property(text, (x) => {
        expect(unguardCell(guardCell(x))).toBe(x);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('exportLayout', () => {
  it('recognises an error report by its trailing columns, suffixed or with raw_text', () => {
    expect(exportLayout(['id', 'note', ...REPORT_COLUMNS])).toEqual({ kind: 'report', sourceColumns: 2 });
    expect(exportLayout(['id', ...REPORT_COLUMNS, 'raw_text'])).toEqual({ kind: 'report', sourceColumns: 1 });
    expect(exportLayout(['line', 'message', 'line_2', 'stage', 'column', 'reason', 'message_2'])).toEqual({
      kind: 'report',
      sourceColumns: 2,
    });
  });

  it('recognises an export for fixing by its trailing loadstone_error column', () => {
    expect(exportLayout(['id', 'note', FIXING_ERROR_COLUMN])).toEqual({ kind: 'fixing', sourceColumns: 2 });
  });

  it('takes any other file for an ordinary one', () => {
    expect(exportLayout(['id', 'note'])).toBeNull();
    expect(exportLayout(['line', 'stage', 'column', 'reason'])).toBeNull();
    expect(exportLayout(['stage', 'line', 'column', 'reason', 'message'])).toBeNull();
    expect(exportLayout([])).toBeNull();
  });
});
