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
});
