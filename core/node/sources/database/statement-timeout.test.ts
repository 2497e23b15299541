import { describe, expect, it } from 'vitest';
import { parseJobSpec } from '../../../common/spec/job-spec.ts';
import { databaseSourceFrom } from '../../cli/database-source-args.ts';

const url = 'postgres://u@localhost/db';

describe('the source statement timeout', () => {
  it('a statement timeout beyond PostgreSQL’s range is refused up front, naming the limit', () => {
    expect(() =>
      parseJobSpec({
        source: {
          kind: 'postgres',
          connection: url,
          table: 'items',
          statementTimeoutMs: 99_999_999_999,
        },
        target: { connection: url, table: 'x' },
      }),
    ).toThrow(/statementTimeoutMs: must be at most 2147483647/);
    expect(() =>
      databaseSourceFrom(
        url,
        { 'source-table': 'items', 'statement-timeout': '99999999999' },
        '.',
        undefined,
      ),
    ).toThrow(/--statement-timeout must be at most 2147483647/);
    expect(
      databaseSourceFrom(url, { 'source-table': 'items', 'statement-timeout': '2147483647' }, '.', undefined),
    ).toMatchObject({ statementTimeoutMs: 2147483647 });
  });
});
