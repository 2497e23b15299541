import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { databaseSourceFrom, databaseUrlKind } from './database-source-args.ts';

const dir = mkdtempSync(join(tmpdir(), 'loadstone-dbargs-'));
// An SQLite file is known by its 16-byte header, not its name.
writeFileSync(
  join(dir, 'crm.data'),
  Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), Buffer.alloc(84)]),
);
writeFileSync(join(dir, 'orders.db'), 'id,name\n1,a\n');

describe('database source arguments', () => {
  it('names the kind of a database URL', () => {
    expect(databaseUrlKind('postgres://h/db')).toBe('postgres');
    expect(databaseUrlKind('POSTGRESQL://h/db')).toBe('postgres');
    expect(databaseUrlKind('mysql://h/db')).toBe('mysql');
    expect(databaseUrlKind('mariadb://h/db')).toBe('mysql');
    expect(databaseUrlKind('https://h/x.csv')).toBeUndefined();
    expect(databaseUrlKind('orders.csv')).toBeUndefined();
  });

  it('builds the spec source from the positional and the flags', () => {
    expect(databaseSourceFrom('crm.data', { 'source-table': 'customers' }, dir, undefined)).toEqual({
      kind: 'sqlite',
      path: join(dir, 'crm.data'),
      table: 'customers',
    });
    expect(
      databaseSourceFrom(
        'mariadb://u@h/shop',
        { query: 'select 1', 'statement-timeout': '5000' },
        dir,
        undefined,
      ),
    ).toEqual({
      kind: 'mysql',
      connection: 'mariadb://u@h/shop',
      query: 'select 1',
      statementTimeoutMs: 5000,
    });
    expect(
      databaseSourceFrom(
        undefined,
        { 'source-connection': 'replica', 'source-table': 'app.orders', sample: 'tablesample' },
        dir,
        undefined,
      ),
    ).toEqual({ kind: 'postgres', connection: 'replica', table: 'app.orders', sample: 'tablesample' });
    // A text file named .db stays a file source.
    expect(databaseSourceFrom('orders.db', {}, dir, undefined)).toBeUndefined();
  });

  it('a flag replaces the spec file table or query, keeping its other settings', () => {
    const base = { kind: 'postgres', connection: 'replica', query: 'select 1', statementTimeoutMs: 10 };
    expect(databaseSourceFrom(undefined, { 'source-table': 't' }, dir, base)).toEqual({
      kind: 'postgres',
      connection: 'replica',
      table: 't',
      statementTimeoutMs: 10,
    });
  });

  it("--source-encoding says what a PostgreSQL database's bytes are, over the spec file's", () => {
    expect(
      databaseSourceFrom(
        'postgres://h/db',
        { 'source-table': 't', 'source-encoding': 'latin1' },
        dir,
        undefined,
      ),
    ).toEqual({ kind: 'postgres', connection: 'postgres://h/db', table: 't', encoding: 'latin1' });
    const base = { kind: 'postgres', connection: 'legacy', table: 't', encoding: 'windows-1252' };
    expect(databaseSourceFrom(undefined, {}, dir, base)).toEqual(base);
    expect(databaseSourceFrom(undefined, { 'source-encoding': 'utf-8' }, dir, base)).toEqual({
      ...base,
      encoding: 'utf-8',
    });
  });

  it('refuses what cannot work, saying why', () => {
    const usage = (f: () => unknown, text: string) =>
      expect(f).toThrow(
        expect.objectContaining({ code: 'BAD_USAGE', message: expect.stringContaining(text) }),
      );
    usage(() => databaseSourceFrom('crm.data', {}, dir, undefined), 'needs --source-table');
    usage(
      () => databaseSourceFrom('crm.data', { 'source-table': 'a', query: 'select 1' }, dir, undefined),
      'either --source-table or --query',
    );
    usage(
      () => databaseSourceFrom('postgres://u:secret-pw@h/db', { 'source-connection': 'x' }, dir, undefined),
      'postgres://u:***@h/db',
    );
    usage(
      () => databaseSourceFrom(undefined, { 'source-table': 'a' }, dir, undefined),
      '--source-table is for a database source',
    );
    // A source given that is not a database says what it is instead.
    const refused = (positional: string, code: string, text: string) =>
      expect(() => databaseSourceFrom(positional, { 'source-table': 'a' }, dir, undefined)).toThrow(
        expect.objectContaining({ code, message: expect.stringContaining(text) }),
      );
    refused('missing.db', 'SOURCE_NOT_FOUND', 'missing.db: no such file');
    refused('orders.db', 'SOURCE_FORMAT', 'orders.db is not an SQLite database');
    writeFileSync(join(dir, 'empty.sqlite'), '');
    refused('empty.sqlite', 'SOURCE_FORMAT', 'is not an SQLite database');
    refused('.', 'BAD_USAGE', 'is a folder, not an SQLite file');
    refused('mongodb://u:pw-secret@h/db', 'BAD_USAGE', 'mongodb:// is not a database Loadstone reads');
    expect(() =>
      databaseSourceFrom('mongodb://u:pw-secret@h/db', { 'source-table': 'a' }, dir, undefined),
    ).toThrow(expect.objectContaining({ message: expect.not.stringContaining('pw-secret') }));
    usage(
      () => databaseSourceFrom('crm.data', { 'source-table': 'a', sheet: 'S' }, dir, undefined),
      '--sheet applies only to a file source',
    );
    usage(
      () => databaseSourceFrom('crm.data', { 'source-table': 'a', sample: 'all' }, dir, undefined),
      'sample',
    );
  });
});
