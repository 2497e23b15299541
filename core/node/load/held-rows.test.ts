import { describe, expect, it } from 'vitest';
import { HeldRows, rawRecord } from './held-rows.ts';
import type { LoadRow } from './types.ts';

const columns = ['a', 'b'];
const withCells = (line: number, cells: string[], extra?: string[]): LoadRow => ({
  line,
  values: cells,
  rawColumns: columns,
  cells,
  extra,
  get raw() {
    return rawRecord(columns, cells, extra);
  },
});

describe('HeldRows', () => {
  it('gives back line and raw cells by ordinal, for rows with and without their cells', async () => {
    const held = new HeldRows();
    held.hold(withCells(2, ['1', 'x']));
    held.hold({ line: 3, values: [2, 'y'], raw: { a: '2', b: 'y' } });
    held.hold(withCells(5, ['3', 'z'], ['surplus']));
    expect(held.length).toBe(3);
    expect(await held.lookup(0)).toEqual({ line: 2, raw: { a: '1', b: 'x' } });
    expect(await held.lookup(1)).toEqual({ line: 3, raw: { a: '2', b: 'y' } });
    expect(await held.lookup(2)).toEqual({ line: 5, raw: { a: '3', b: 'z', extra_1: 'surplus' } });
    expect(await held.lookup(3)).toBeNull();
  });

  it('keeps a row whole when its cells belong to other columns', async () => {
    const held = new HeldRows();
    held.hold(withCells(2, ['1', 'x']));
    const other: LoadRow = { line: 9, values: ['q'], rawColumns: ['c'], cells: ['q'], raw: { c: 'q' } };
    held.hold(other);
    expect(await held.lookup(1)).toEqual({ line: 9, raw: { c: 'q' } });
  });

  it('keeps rows that say where their source text is as numbers, and reads their cells again', async () => {
    const reparse = (t: string) => t.split('|');
    const fromText = (line: number, text: string, start: number, end: number): LoadRow => {
      const cells = text.slice(start, end).split('|');
      return {
        ...withCells(line, cells.slice(0, 2), cells.length > 2 ? cells.slice(2) : undefined),
        text,
        textStart: start,
        textEnd: end,
        reparse,
      };
    };
    const first = 'ignored\n1|x\n2|y\n';
    const second = '3|z|surplus\n';
    const held = new HeldRows();
    held.hold(fromText(2, first, 8, 11));
    held.hold(fromText(3, first, 12, 15));
    held.hold(withCells(4, ['9', 'cells']));
    held.hold(fromText(5, second, 0, 11));
    expect(held.length).toBe(4);
    expect(await held.lookup(0)).toEqual({ line: 2, raw: { a: '1', b: 'x' } });
    expect(await held.lookup(1)).toEqual({ line: 3, raw: { a: '2', b: 'y' } });
    expect(await held.lookup(2)).toEqual({ line: 4, raw: { a: '9', b: 'cells' } });
    // Only the row held as its cells keeps JS values alive (a chunk of those ends sooner).
    expect(held.objectRows).toBe(1);
    expect(await held.lookup(3)).toEqual({ line: 5, raw: { a: '3', b: 'z', extra_1: 'surplus' } });
  });
});
