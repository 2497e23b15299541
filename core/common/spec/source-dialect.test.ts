import { describe, expect, it } from 'vitest';
import { parseJobSpec } from './job-spec.ts';
import { fixingDialect, reloadMode, reloadSpec } from './source-dialect.ts';

describe('fixingDialect', () => {
  it("keeps a delimited source's encoding, delimiter, quote and BOM", () => {
    expect(
      fixingDialect(
        {
          kind: 'csv',
          encoding: 'windows-1252',
          compression: 'gzip',
          delimiter: ';',
          quote: "'",
          header: true,
          bom: false,
        },
        {},
      ),
    ).toEqual({ kind: 'csv', encoding: 'windows-1252', delimiter: ';', quote: "'", bom: false });
    expect(
      fixingDialect(
        {
          kind: 'tsv',
          encoding: 'utf-16le',
          compression: 'none',
          delimiter: '\t',
          quote: '"',
          header: true,
          bom: true,
        },
        {},
      ),
    ).toEqual({ kind: 'tsv', encoding: 'utf-16le', delimiter: '\t', quote: '"', bom: true });
  });

  it('adds a BOM on request, and writes XLSX, JSON and NDJSON sources as UTF-8 CSV', () => {
    const utf8 = {
      kind: 'csv' as const,
      encoding: 'utf-8' as const,
      compression: 'none' as const,
      delimiter: ',',
      quote: '"',
      header: true,
      bom: false,
    };
    expect(fixingDialect(utf8, {}, true).bom).toBe(true);
    for (const kind of ['xlsx', 'json', 'ndjson'] as const) {
      expect(fixingDialect({ kind, encoding: 'utf-8', compression: 'none', header: true }, {})).toEqual({
        kind: 'csv',
        encoding: 'utf-8',
        delimiter: ',',
        quote: '"',
        bom: false,
      });
    }
  });

  it("falls back to the spec's own fields for runs recorded before the dialect was kept", () => {
    expect(fixingDialect(null, { kind: 'tsv' })).toEqual({
      kind: 'tsv',
      encoding: 'utf-8',
      delimiter: '\t',
      quote: '"',
      bom: false,
    });
    expect(fixingDialect(null, { delimiter: '|', encoding: 'latin1' })).toEqual({
      kind: 'csv',
      encoding: 'latin1',
      delimiter: '|',
      quote: '"',
      bom: false,
    });
  });
});

describe('reloadMode and reloadSpec', () => {
  it('adds the fixed rows: replace appends, incremental upserts on its key', () => {
    expect(reloadMode('append')).toBe('append');
    expect(reloadMode('replace')).toBe('append');
    expect(reloadMode('upsert')).toBe('upsert');
    expect(reloadMode('incremental')).toBe('upsert');
  });

  it("runs the original job on the fixed file with the run's decided columns", () => {
    const original = parseJobSpec({
      name: 'orders-daily',
      source: { path: '/data/orders.csv', maxLineChars: 1000 },
      format: { dateOrder: 'DMY' },
      columns: [{ source: 'Amount', type: 'numeric' }],
      target: {
        connection: 'warehouse',
        table: 'public.orders',
        mode: 'incremental',
        key: ['id'],
        watermark: 'updated_at',
      },
      settings: { maxErrorRate: 0.2 },
    });
    const decided = [
      { source: 'id', name: 'id', type: 'integer' as const },
      { source: 'Amount', name: 'amount', type: 'numeric' as const, decimalSeparator: ',' as const },
    ];
    const spec = reloadSpec(original, decided, fixingDialect(null, { delimiter: ';' }), '/tmp/fixed.csv');
    expect(spec.source).toEqual({
      kind: 'file',
      path: '/tmp/fixed.csv',
      format: 'csv',
      encoding: 'utf-8',
      delimiter: ';',
      quote: '"',
      header: true,
      maxLineChars: 1000,
    });
    expect(spec.columns).toEqual(decided);
    expect(spec.target).toEqual({
      connection: 'warehouse',
      table: 'public.orders',
      mode: 'upsert',
      key: ['id'],
      duplicateKeys: 'last',
      addMissingColumns: false,
    });
    expect(spec.format).toEqual({ dateOrder: 'DMY' });
    expect(spec.settings.maxErrorRate).toBe(0.2);
    expect(spec.name).toBe('orders-daily');
    // It is a valid job spec as it stands.
    expect(parseJobSpec(spec)).toEqual(spec);
  });

  it('reads an empty field of a text kept as written as NULL only where the source wrote its NULLs so', () => {
    const original = parseJobSpec({
      source: { kind: 'sqlite', path: '/data/crm.db', table: 'customers' },
      target: { table: 'customers' },
    });
    const decided = [
      { source: 'note', name: 'note', type: 'text' as const, keepText: true, nullTokens: [] },
      { source: 'code', name: 'code', type: 'text' as const, nullTokens: ['NA'] },
    ];
    const fromDatabase = reloadSpec(original, decided, fixingDialect(null, {}), '/tmp/fix.csv', true);
    expect(fromDatabase.columns).toEqual([{ ...decided[0], nullTokens: [''] }, decided[1]]);
    // A CSV's own empty field was an empty text (no null token): it stays one.
    const fromCsv = reloadSpec(original, decided, fixingDialect(null, {}), '/tmp/fix.csv', false);
    expect(fromCsv.columns).toEqual(decided);
  });

  it("drops truncate from an append, and uses the spec's columns when the run kept none", () => {
    const original = parseJobSpec({
      source: { path: '/data/a.csv' },
      columns: [{ source: 'x', type: 'text' }],
      target: { table: 't', truncate: true },
    });
    const spec = reloadSpec(original, null, fixingDialect(null, {}), '/tmp/a-fixed.csv');
    expect(spec.target).toEqual({
      connection: 'local',
      table: 't',
      mode: 'append',
      duplicateKeys: 'last',
      addMissingColumns: false,
    });
    expect(spec.columns).toEqual([{ source: 'x', type: 'text' }]);
  });
});
