import { describe, expect, it } from 'vitest';
import { displayTable, parseTableName, quoteIdent, quoteLiteral } from './identifiers.ts';

describe('quoteIdent', () => {
  it('always quotes and doubles quotes', () => {
    expect(quoteIdent('plain')).toBe('"plain"');
    expect(quoteIdent('x"; drop table y; --')).toBe('"x""; drop table y; --"');
    expect(quoteIdent('with space ✓')).toBe('"with space ✓"');
  });

  it('refuses a NUL character', () => {
    expect(() => quoteIdent('a\u0000b')).toThrow(expect.objectContaining({ code: 'SPEC_INVALID' }));
  });
});

describe('quoteLiteral', () => {
  it('doubles quotes and backslashes inside E strings', () => {
    expect(quoteLiteral("it's a \\ test")).toBe("E'it''s a \\\\ test'");
  });
});

describe('parseTableName', () => {
  it('splits schema and table, folding unquoted ASCII letters like PostgreSQL', () => {
    expect(parseTableName('Sales')).toEqual({ schema: null, name: 'sales' });
    expect(parseTableName(' Staging . Orders_2024 ')).toEqual({ schema: 'staging', name: 'orders_2024' });
    expect(parseTableName('café.Ünïcode')).toEqual({ schema: 'café', name: 'Ünïcode' });
  });

  it('takes quoted parts exactly, dots and quotes included', () => {
    expect(parseTableName('"My Schema"."Sales.2024"')).toEqual({ schema: 'My Schema', name: 'Sales.2024' });
    expect(parseTableName('"x""; drop table y; --"')).toEqual({ schema: null, name: 'x"; drop table y; --' });
    expect(parseTableName('public."MixedCase"')).toEqual({ schema: 'public', name: 'MixedCase' });
  });

  it('keeps an unquoted hostile name as one name (it is only ever quoted)', () => {
    expect(parseTableName('x"; drop table y; --')).toEqual({ schema: null, name: 'x"; drop table y; --' });
  });

  it.each([
    ['', 'a name part is empty'],
    ['a.', 'a name part is empty'],
    ['.a', 'a name part is empty'],
    ['a.b.c', 'a database name cannot be given here'],
    ['"unclosed', 'unclosed double quote'],
    ['"a"b', 'unexpected text after a quoted name'],
    ['x'.repeat(64), 'longer than 63 bytes'],
    ['é'.repeat(32), 'longer than 63 bytes'],
  ])('refuses %j (%s)', (text, why) => {
    expect(() => parseTableName(text)).toThrow(
      expect.objectContaining({ code: 'SPEC_INVALID', message: expect.stringContaining(why) }),
    );
  });

  it('accepts a 63-byte name', () => {
    expect(parseTableName('x'.repeat(63)).name).toHaveLength(63);
  });
});

describe('displayTable', () => {
  it('quotes only where needed', () => {
    expect(displayTable({ schema: 'public', name: 'sales' })).toBe('public.sales');
    expect(displayTable({ schema: null, name: 'My Table' })).toBe('"My Table"');
  });
});
