import { describe, expect, it } from 'vitest';
import { LoadstoneError } from '../errors.ts';
import { parseJobSpec } from './job-spec.ts';

describe('parseJobSpec', () => {
  it('fills defaults for a minimal spec', () => {
    const spec = parseJobSpec({ source: { path: 'orders.csv' } });
    expect(spec.version).toBe(1);
    expect(spec.settings).toEqual({ maxErrorRate: 0.05, sampleSize: 10_000 });
    expect(spec.format).toEqual({});
  });

  it('lists every problem by its path', () => {
    try {
      parseJobSpec({
        source: { path: '', delimiter: ';;' },
        columns: [
          { source: 'a', type: 'float' },
          { source: 'a', name: 'x'.repeat(64) },
        ],
        target: { table: 't', mode: 'upsert' },
        extra: 1,
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(LoadstoneError);
      const e = error as LoadstoneError;
      expect(e.code).toBe('SPEC_INVALID');
      const paths = ((e.details?.issues as { path: string }[] | undefined) ?? []).map((i) => i.path).sort();
      expect(paths).toEqual(
        ['(root)', 'columns.0.type', 'columns.1.name', 'source.delimiter', 'source.path'].sort(),
      );
    }
  });

  it('refuses a PostgreSQL system column name as a column name', () => {
    expect(() =>
      parseJobSpec({ source: { path: 'x.csv' }, columns: [{ source: 'a', name: 'xmin' }] }),
    ).toThrow(/columns\.0\.name: is a PostgreSQL system column name/);
    expect(
      parseJobSpec({ source: { path: 'x.csv' }, columns: [{ source: 'a', name: 'xmin_' }] }).columns,
    ).toEqual([{ source: 'a', name: 'xmin_' }]);
  });

  it('requires key and watermark for incremental loads', () => {
    expect(() =>
      parseJobSpec({ source: { path: 'x.csv' }, target: { table: 't', mode: 'incremental' } }),
    ).toThrow(/target\.key: mode 'incremental' needs key columns[\s\S]*target\.watermark/);
  });

  it('validates the alert rule: channel names, triggers, a warning rate below the abort threshold', () => {
    const spec = parseJobSpec({ source: { path: 'x.csv' }, alerts: { channels: ['ops'] } });
    expect(spec.alerts).toEqual({
      channels: ['ops'],
      on: ['failure', 'threshold', 'warning', 'interrupted', 'schedule'],
    });
    expect(() =>
      parseJobSpec({
        source: { path: 'x.csv' },
        settings: { maxErrorRate: 0.01 },
        alerts: { channels: ['ops'], warnErrorRate: 0.01 },
      }),
    ).toThrow(/alerts\.warnErrorRate: must be lower than settings\.maxErrorRate \(0\.01\)/);
    try {
      parseJobSpec({ source: { path: 'x.csv' }, alerts: { channels: ['a b'], on: ['sometimes'], extra: 1 } });
      expect.unreachable();
    } catch (error) {
      const paths = (((error as LoadstoneError).details?.issues as { path: string }[]) ?? [])
        .map((i) => i.path)
        .sort();
      expect(paths).toEqual(['alerts', 'alerts.channels.0', 'alerts.on.0']);
    }
  });
});

describe('source kinds', () => {
  const issuesOf = (input: unknown): string[] => {
    try {
      parseJobSpec(input);
    } catch (error) {
      return (((error as LoadstoneError).details?.issues as { path: string; message: string }[]) ?? []).map(
        (i) => `${i.path}: ${i.message}`,
      );
    }
    return [];
  };

  it('reads a source without a kind as a file, as specs written before kinds did', () => {
    expect(parseJobSpec({ source: { path: 'x.csv' } }).source).toEqual({ path: 'x.csv' });
    expect(parseJobSpec({ source: { kind: 'file', path: 'x.csv' } }).source.kind).toBe('file');
  });

  it('validates a database source by its own fields: a table or a query, exactly one', () => {
    const ok = parseJobSpec({ source: { kind: 'postgres', connection: 'replica', table: 'public.orders' } });
    expect(ok.source).toEqual({ kind: 'postgres', connection: 'replica', table: 'public.orders' });
    expect(issuesOf({ source: { kind: 'sqlite', path: 'crm.db' } })).toEqual([
      'source.table: a database source reads either a table or a query: give exactly one of source.table and source.query',
    ]);
    expect(
      issuesOf({ source: { kind: 'mysql', connection: 'm', table: 't', query: 'select 1' } }),
    ).toHaveLength(1);
    expect(
      issuesOf({ source: { kind: 'mysql', connection: 'm', table: 't', sample: 'tablesample' } }),
    ).toEqual(["source.sample: 'tablesample' sampling is only for PostgreSQL sources, not mysql"]);
    // A file option on a database source is named by its path, not swallowed.
    expect(
      issuesOf({ source: { kind: 'postgres', connection: 'r', table: 't', delimiter: ';' } })[0],
    ).toMatch(/^source: .*delimiter/);
  });

  it("takes a PostgreSQL source's encoding of a SQL_ASCII database's bytes, and no other source's", () => {
    const latin = parseJobSpec({
      source: { kind: 'postgres', connection: 'r', table: 't', encoding: 'latin1' },
    });
    expect(latin.source).toMatchObject({ kind: 'postgres', encoding: 'latin1' });
    expect(
      issuesOf({ source: { kind: 'postgres', connection: 'r', table: 't', encoding: 'utf-16le' } })[0],
    ).toMatch(/^source\.encoding: /);
    expect(
      issuesOf({ source: { kind: 'mysql', connection: 'm', table: 't', encoding: 'latin1' } })[0],
    ).toMatch(/^source: .*encoding/);
  });

  it('names an unknown kind by its path', () => {
    expect(issuesOf({ source: { kind: 'ftp', path: 'x' } })[0]).toMatch(/^source\.kind: /);
  });
});
