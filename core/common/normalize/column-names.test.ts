import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LoadstoneError } from '../errors.ts';
import {
  assignColumnNames,
  findNameConflicts,
  isColumnName,
  SYSTEM_COLUMN_NAMES,
  systemNameWarning,
  toColumnName,
} from './column-names.ts';

describe('toColumnName', () => {
  it.each([
    ['Order Date', 'order_date'],
    ['orderDate', 'order_date'],
    ['OrderID', 'order_id'],
    ['XMLHttpRequest', 'xml_http_request'],
    ['Sepal.Length', 'sepal_length'],
    ['Température', 'temperature'],
    ['Straße', 'strasse'],
    ['Ærø', 'aero'],
    ['ÆRØ', 'aero'],
    ['Łódź', 'lodz'],
    ['2024 total', '_2024_total'],
    ['  Price (USD) ', 'price_usd'],
    ['user-id', 'user_id'],
    ['__x__', 'x'],
    ['select', 'select'],
    ['ﬁle', 'file'],
  ])('%s → %s', (header, name) => {
    expect(toColumnName(header)).toBe(name);
  });

  it('gives nothing for a header without ASCII-foldable characters', () => {
    expect(toColumnName('')).toBe('');
    expect(toColumnName('***')).toBe('');
    expect(toColumnName('てすと')).toBe('');
  });

  it('cuts to 63 characters without a trailing underscore', () => {
    expect(toColumnName('a'.repeat(80))).toBe('a'.repeat(63));
    expect(toColumnName(`${'a'.repeat(62)} b`)).toBe('a'.repeat(62));
  });

  it('always gives a lower-case identifier of at most 63 bytes (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' })),
        (header) => {
          const name = toColumnName(header);
          if (name !== '') {
            expect(name).toMatch(/^[a-z_][a-z0-9_]*$/);
            // ASCII only, so bytes = characters.
            expect(name.length).toBeLessThanOrEqual(63);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('system column names', () => {
  it.each(['xmin', 'xmax', 'cmin', 'cmax', 'ctid', 'tableoid'])('%s becomes %s_ with a warning', (name) => {
    expect(SYSTEM_COLUMN_NAMES.has(name)).toBe(true);
    expect(toColumnName(name)).toBe(`${name}_`);
    expect(toColumnName(name.toUpperCase())).toBe(`${name}_`);
    expect(assignColumnNames([name, 'x'])).toEqual([`${name}_`, 'x']);
    expect(systemNameWarning(name, `${name}_`)).toBe(
      `'${name}' is a PostgreSQL system column name, which no table column can have: loaded as '${name}_' (rename it in the column settings)`,
    );
  });

  it('leaves names that merely contain one alone, and warns only for the renamed column', () => {
    expect(toColumnName('xmin value')).toBe('xmin_value');
    expect(toColumnName('oid')).toBe('oid'); // a system column only before PostgreSQL 12
    expect(systemNameWarning('xmin_', 'xmin_')).toBeNull(); // the header really was xmin_
    expect(systemNameWarning('a', 'a')).toBeNull();
    expect(assignColumnNames(['xmin', 'xmin_'])).toEqual(['xmin_', 'xmin__2']);
  });

  it('refuses one as a user name, suggesting the renamed form', () => {
    expect(findNameConflicts(['a'], ['ctid'])).toEqual([
      {
        path: 'a',
        message:
          "name 'ctid' for column 'a' is a PostgreSQL system column name, which no table column can have (use e.g. 'ctid_')",
      },
    ]);
  });
});

describe('assignColumnNames', () => {
  it('numbers empty names by position and de-duplicates with _2, _3', () => {
    expect(assignColumnNames(['Name', 'name', 'NAME', '', '***'])).toEqual([
      'name',
      'name_2',
      'name_3',
      'column_4',
      'column_5',
    ]);
  });

  it('lets a header that is literally a suffixed name keep it', () => {
    expect(assignColumnNames(['a', 'a', 'a_2'])).toEqual(['a', 'a_3', 'a_2']);
  });

  it('cuts long names so the suffix still fits in 63 bytes', () => {
    const names = assignColumnNames(['x'.repeat(70), 'x'.repeat(70)]);
    expect(names[0]).toBe('x'.repeat(63));
    expect(names[1]).toBe(`${'x'.repeat(61)}_2`);
  });

  it('takes user names as given', () => {
    expect(assignColumnNames(['Order Date'], ['ordered_on'])).toEqual(['ordered_on']);
    expect(assignColumnNames(['a', 'b'], ['b', 'a'])).toEqual(['b', 'a']); // a swap
  });

  it('refuses a rename onto the name another column has from its header, instead of renaming that one', () => {
    for (const headers of [
      ['id', 'val'],
      ['ID', 'val'], // the header's name is derived: 'ID' → id
    ]) {
      try {
        assignColumnNames(headers, [undefined, 'id']);
        expect.unreachable();
      } catch (error) {
        expect((error as LoadstoneError).code).toBe('SPEC_INVALID');
        expect((error as LoadstoneError).details?.issues).toEqual([
          {
            path: 'val',
            message: `name 'id' for column 'val' is already the name of column '${headers[0]}'; give that column another name too, or skip it`,
          },
        ]);
      }
    }
    // Unless that column is skipped (not loaded), or renamed too.
    expect(assignColumnNames(['id', 'val'], [undefined, 'id'], [true, false])).toEqual(['id_2', 'id']);
    expect(assignColumnNames(['id', 'val'], ['old_id', 'id'])).toEqual(['old_id', 'id']);
  });

  it('throws SPEC_INVALID when two user names collide or one is not an identifier', () => {
    try {
      assignColumnNames(['a', 'b'], ['x', 'x']);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(LoadstoneError);
      expect((error as LoadstoneError).code).toBe('SPEC_INVALID');
      expect((error as LoadstoneError).message).toBe("name 'x' is given to both 'a' and 'b'");
    }
    expect(findNameConflicts(['a'], [' Bad Name'])[0]?.message).toContain("' Bad Name'");
    expect(findNameConflicts(['a', 'b'], ['x', 'y'])).toEqual([]);
  });

  it("takes any name PostgreSQL takes quoted (an existing table's camelCase column), 63 bytes at most", () => {
    expect(assignColumnNames(['created', 'user id'], ['createdAt', 'User ID'])).toEqual([
      'createdAt',
      'User ID',
    ]);
    expect(findNameConflicts(['a'], [`${'é'.repeat(31)}x`])).toEqual([]); // 63 bytes
    expect(findNameConflicts(['a'], ['é'.repeat(32)])[0]?.message).toContain('1 to 63 bytes (UTF-8)');
    expect(findNameConflicts(['a'], ['a\u0000b'])[0]?.message).toContain('no NUL character');
    expect(findNameConflicts(['a'], ['xmin'])[0]?.message).toContain('system column name');
  });

  it('always gives unique valid names (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom('a', 'A', 'a_2', '', 'x'.repeat(70)), fc.string()), {
          maxLength: 30,
        }),
        (headers) => {
          const names = assignColumnNames(headers);
          expect(names).toHaveLength(headers.length);
          expect(new Set(names).size).toBe(names.length);
          for (const name of names) expect(isColumnName(name)).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
