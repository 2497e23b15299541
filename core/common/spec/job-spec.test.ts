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
          { source: 'a', name: 'Bad Name' },
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
