import { describe, expect, it } from 'vitest';
import { connectionOption, sameRead, sameWhere } from './database-source.tsx';
import { encodingChoices, encodingOf, invalidEncodingRows } from './source-encoding.tsx';

describe('the Database picker', () => {
  it('names each saved connection by its real kind', () => {
    const at = { user: 'ro', host: 'db.test', port: 3306, database: 'crm' };
    expect(connectionOption({ name: 'my', kind: 'mysql', ...at })).toBe(
      'my — MySQL / MariaDB ro@db.test:3306/crm',
    );
    expect(connectionOption({ name: 'pg', kind: 'postgres', ...at, port: 5432 })).toBe(
      'pg — PostgreSQL ro@db.test:5432/crm',
    );
  });

  it('an opened job whose query ends with a newline, or carries a timeout, is not an edit', () => {
    const saved = {
      kind: 'postgres' as const,
      connection: 'src',
      query: 'select *\nfrom orders\n',
      statementTimeoutMs: 5000,
    };
    expect(sameRead({ kind: 'postgres', connection: 'src', query: 'select *\nfrom orders' }, saved)).toBe(
      true,
    );
    expect(sameRead({ kind: 'postgres', connection: 'src', query: 'select 1' }, saved)).toBe(false);
    expect(sameRead({ kind: 'postgres', connection: 'other', query: 'select *\nfrom orders' }, saved)).toBe(
      false,
    );
    expect(sameRead(null, saved)).toBe(false);
    expect(sameWhere({ kind: 'mysql', connection: 'src' }, saved)).toBe(false);
    expect(sameWhere({ kind: 'sqlite', handle: 'h1' }, { kind: 'sqlite', handle: 'h1', table: 't' })).toBe(
      true,
    );
  });
});

describe('the Text encoding of a PostgreSQL source', () => {
  it('offers automatic, Windows-1252 and Latin-1, and UTF-8 only when an opened job names it', () => {
    expect(encodingChoices(undefined).map(([v]) => v)).toEqual(['', 'windows-1252', 'latin1']);
    expect(encodingChoices(undefined)[0]).toEqual(['', 'Automatic (UTF-8)']);
    expect(encodingChoices('utf-8').map(([v]) => v)).toEqual(['', 'utf-8', 'windows-1252', 'latin1']);
    expect(encodingOf('')).toBeUndefined();
    expect(encodingOf('latin1')).toBe('latin1');
    expect(encodingOf('utf-16le')).toBeUndefined();
  });

  it("counts the sample's rows rejected as invalid_encoding", () => {
    const counts = (byReason: Record<string, number>) => ({
      counts: {
        sample: { rows: 10, rejected: 3, unreadable: 3, unreadableByReason: byReason, columns: {} },
        shown: { rows: 10, rejected: 3, unreadable: 3, unreadableByReason: byReason, columns: {} },
        wholeFile: true,
      },
    });
    expect(invalidEncodingRows(counts({ invalid_encoding: 2, ragged_row: 1 }))).toBe(2);
    expect(invalidEncodingRows(counts({ ragged_row: 3 }))).toBe(0);
    expect(invalidEncodingRows(undefined)).toBe(0);
  });
});
