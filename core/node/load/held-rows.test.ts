import { describe, expect, it } from 'vitest';
import { HeldRows, rawRecord, splitRun } from './held-rows.ts';
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

/** A run of verbatim rows: the tab-separated lines of `text`, the first at `line`. */
const tabRun = (line: number, text: string): LoadRow => ({
  line,
  values: [],
  rawColumns: columns,
  cells: [],
  text,
  textStart: 0,
  textEnd: text.length - 1,
  reparse: (t: string) => t.split('\t'),
  verbatim: true,
  rows: text.split('\n').length - 1,
  raw: {},
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

  it('holds a run of verbatim rows as numbers per row, finds each again, and splits a run', async () => {
    const reparse = (t: string) => t.split('\t');
    const text = '1\tx\n2\ty\n3\tz\n4\tw\n';
    const run: LoadRow = { ...tabRun(10, text), ordinal: 20 };
    const [head, rest] = splitRun(run, 1);
    expect([head.line, head.ordinal, head.rows, text.slice(head.textStart, head.textEnd)]).toEqual([
      10,
      20,
      1,
      '1\tx',
    ]);
    expect([rest.line, rest.ordinal, rest.rows, text.slice(rest.textStart, rest.textEnd)]).toEqual([
      11,
      21,
      3,
      '2\ty\n3\tz\n4\tw',
    ]);
    expect(rest.raw).toEqual({ a: '2', b: 'y' });
    const held = new HeldRows();
    held.hold({ ...withCells(9, ['0', 'cells']), text: '0\tcells', textStart: 0, textEnd: 8, reparse });
    held.hold(head);
    held.hold(rest);
    expect(held.length).toBe(5);
    expect(held.objectRows).toBe(0);
    expect(await held.lookup(0)).toEqual({ line: 9, raw: { a: '0', b: 'cells' } });
    expect(held.last).toEqual({ line: 13, ordinal: 23 });
    expect(await held.lookup(1)).toEqual({ line: 10, raw: { a: '1', b: 'x' } });
    expect(await held.lookup(3)).toEqual({ line: 12, raw: { a: '3', b: 'z' } });
    expect(await held.lookup(4)).toEqual({ line: 13, raw: { a: '4', b: 'w' } });
  });

  it('holds a run as text after rows of its columns read another way, each text read back its own way', async () => {
    // A JSON source's chunk: its sample records, parsed (text read back by the JSON reader), then its
    // records written as COPY text (read back by the COPY reparse). Held row by row, the run cost an
    // object per row and ended the chunk at OBJECT_ROWS_PER_CHUNK.
    const sample = '{"a":"0","b":"sample"}';
    const text = '1\tx\n2\ty\n';
    const held = new HeldRows();
    held.hold({
      ...withCells(9, ['0', 'sample']),
      text: sample,
      textStart: 0,
      textEnd: sample.length,
      reparse: (t: string) => Object.values(JSON.parse(t) as Record<string, string>),
    });
    held.hold(withCells(10, ['0', 'cells']));
    held.hold(tabRun(11, text));
    expect(held.length).toBe(4);
    expect(held.objectRows).toBe(1); // the row held as its cells only
    expect(await held.lookup(0)).toEqual({ line: 9, raw: { a: '0', b: 'sample' } });
    expect(await held.lookup(1)).toEqual({ line: 10, raw: { a: '0', b: 'cells' } });
    expect(await held.lookup(2)).toEqual({ line: 11, raw: { a: '1', b: 'x' } });
    expect(await held.lookup(3)).toEqual({ line: 12, raw: { a: '2', b: 'y' } });
  });

  it('holds a run row by row after rows of other columns', async () => {
    const text = '1\tx\n2\ty\n';
    const held = new HeldRows();
    held.hold({ line: 8, values: ['q'], rawColumns: ['c'], cells: ['q'], raw: { c: 'q' } });
    held.hold(tabRun(10, text));
    expect(held.length).toBe(3);
    expect(held.objectRows).toBe(3);
    expect(await held.lookup(0)).toEqual({ line: 8, raw: { c: 'q' } });
    expect(await held.lookup(2)).toEqual({ line: 11, raw: { a: '2', b: 'y' } });
  });

  it('holds a run whose text is UTF-8 bytes, splits it and reads its rows back', async () => {
    const reparse = (t: string) => t.split('\t');
    const bytes = Buffer.from('1\tü\n2\t😀\n3\tz\n');
    const run: LoadRow = {
      line: 1,
      ordinal: 1,
      values: [],
      rawColumns: columns,
      cells: [],
      text: bytes,
      textStart: 0,
      textEnd: bytes.length - 1,
      reparse,
      verbatim: true,
      rows: 3,
      raw: {},
    };
    const [head, rest] = splitRun(run, 2);
    expect(bytes.toString('utf8', head.textStart, head.textEnd)).toBe('1\tü\n2\t😀');
    expect(bytes.toString('utf8', rest.textStart, rest.textEnd)).toBe('3\tz');
    expect(rest.raw).toEqual({ a: '3', b: 'z' });
    const held = new HeldRows();
    held.hold(head);
    held.hold(rest);
    expect(held.length).toBe(3);
    expect(held.objectRows).toBe(0);
    expect(await held.lookup(1)).toEqual({ line: 2, raw: { a: '2', b: '😀' } });
    expect(await held.lookup(2)).toEqual({ line: 3, raw: { a: '3', b: 'z' } });
  });
});
