import { describe, expect, it } from 'vitest';
import { parseJobSpec } from './job-spec.ts';
import { labelIsFile, sourceLabel } from './source-label.ts';

describe('labelIsFile', () => {
  it('tells the labels sourceLabel makes for files from those of databases and APIs', () => {
    const label = (source: unknown) => sourceLabel(parseJobSpec({ source }).source);
    const files = ['/data/orders.csv', 'exports/http orders.csv', 'C:\\data\\postgres.xlsx'].map((path) =>
      label({ path }),
    );
    const others = [
      label({ kind: 'http', url: 'https://api.example.com/v1/orders?key=abcdefghijk' }),
      label({ kind: 'postgres', connection: 'replica', table: 'public.orders' }),
      label({ kind: 'mysql', connection: 'shop', query: 'select 1' }),
      label({ kind: 'sqlite', path: '/data/crm.db', table: 'customers' }),
    ];
    expect(files.map(labelIsFile)).toEqual([true, true, true]);
    expect(others.map(labelIsFile)).toEqual([false, false, false, false]);
    expect(others[0]).toMatch(/^http GET https:\/\/api\.example\.com/);
  });
});
