import { describe, expect, it } from 'vitest';
import { JsonText } from '../../../common/types.ts';
import { columnTypeOf, SOURCE_TYPES } from './pg-types.ts';

const parse = (oid: number, text: string): unknown =>
  (SOURCE_TYPES.getTypeParser as (oid: number) => (t: string) => unknown)(oid)(text);

describe('PostgreSQL source types', () => {
  it('map type OIDs to target types; character types are inferred, the rest is text', () => {
    expect([16, 21, 23, 20, 1700, 701, 1082, 1114, 1184, 3802, 114, 2950].map(columnTypeOf)).toEqual([
      'boolean',
      'integer',
      'integer',
      'bigint',
      'numeric',
      'numeric',
      'date',
      'timestamptz',
      'timestamptz',
      'jsonb',
      'jsonb',
      'uuid',
    ]);
    expect([25, 1043, 1042].map(columnTypeOf)).toEqual([null, null, null]);
    expect([17, 1009, 1186, 869, 99999].map(columnTypeOf)).toEqual(['text', 'text', 'text', 'text', 'text']);
  });

  it('read values exactly, never through a float', () => {
    expect(parse(20, '9007199254740993')).toBe('9007199254740993');
    expect(parse(20, '-42')).toBe(-42);
    expect(parse(1700, '12345678901234567890.0123456789')).toBe('12345678901234567890.0123456789');
    expect(parse(16, 't')).toBe(true);
    expect(parse(1184, '2024-01-02 03:04:05.123456+00')).toBe('2024-01-02T03:04:05.123456Z');
    expect(parse(1114, '2024-06-01 12:00:00.000001')).toBe('2024-06-01T12:00:00.000001');
    expect(parse(3802, '{"id": 123456789012345678901234567890}')).toEqual(
      new JsonText('{"id": 123456789012345678901234567890}'),
    );
    expect(parse(17, '\\x00ff')).toBe('00ff');
    expect(parse(1009, '{a,"b c"}')).toBe('{a,"b c"}');
  });
});
