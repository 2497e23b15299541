import { describe, expect, it } from 'vitest';
import { LoadstoneError } from '../../../common/errors.ts';
import { SharedStrings, TOO_LONG } from './shared-strings.ts';

describe('SharedStrings', () => {
  it('gives back every string exactly: empty, non-ASCII, and ones that straddle its 4 MiB slabs', () => {
    const table = new SharedStrings('book.xlsx');
    const strings = ['', 'a', 'Zoë 😀', 'x'.repeat(3 * 1024 * 1024), 'é'.repeat(1024 * 1024), 'tail', ''];
    for (const s of strings) table.add(s);
    expect(table.count).toBe(strings.length);
    expect(strings.map((_, i) => table.get(i))).toEqual(strings);
  });

  it('keeps a string over the cell bound as a mark, and has nothing at other indexes', () => {
    const table = new SharedStrings('book.xlsx');
    table.add('a');
    table.add(TOO_LONG);
    table.add('b');
    expect([table.get(0), table.get(1), table.get(2)]).toEqual(['a', TOO_LONG, 'b']);
    expect([table.get(3), table.get(-1), table.get(0.5), table.get(Number.NaN)]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('refuses more strings, or more bytes, than its bounds', () => {
    const few = new SharedStrings('book.xlsx', { strings: 3, bytes: 100 });
    for (let i = 0; i < 3; i++) few.add('s');
    expect(() => few.add('s')).toThrow(LoadstoneError);
    expect(() => few.add('s')).toThrow(
      'book.xlsx: the workbook has more than 3 shared strings, more than Loadstone holds in memory (at most 3 strings and 100 bytes); save the sheet as CSV and load that instead',
    );
    const small = new SharedStrings('book.xlsx', { strings: 10, bytes: 10 });
    small.add('12345');
    expect(() => small.add('123456')).toThrow('shared strings of more than 10 bytes in all');
  });
});
