// Test support: JSON records for the tests that load the same records as COPY text and the usual way
// (http/http-verbatim.int.test.ts, ndjson/ndjson-verbatim.int.test.ts), and a writer for unit tests.

import type { ColumnType } from '../../../common/types.ts';
import { JsonCopyRuns } from './json-copy-rows.ts';

/** The columns the records have, for comparing tables. */
export const JSON_VERBATIM_COLUMNS = 'id, email, day, amount, paid, note, at';

/** Column specs pinning the records' types. */
export const JSON_VERBATIM_COLUMN_SPECS = [
  { source: 'id', type: 'bigint' },
  { source: 'email', type: 'text' },
  { source: 'day', type: 'date' },
  { source: 'amount', type: 'numeric' },
  { source: 'paid', type: 'boolean' },
  { source: 'note', type: 'text' },
  { source: 'at', type: 'timestamptz' },
] as const;

/** A clean record's JSON text: every kind of value the writer takes. */
export function cleanRecord(n: number): string {
  const amount = n % 4 === 0 ? `${n}.10` : n % 4 === 1 ? `${n}` : n % 4 === 2 ? `-${n}.05` : `0.${n}`;
  const note =
    n % 7 === 0
      ? '"said \\"hi\\", then left\\nline two\\ttab \\\\ slash \\/"'
      : n % 11 === 0
        ? '"caf\\u00e9 ü 😀 \\ud83d\\ude00"'
        : n % 13 === 0
          ? 'null'
          : `"note ${n}"`;
  const minute = String(n % 60).padStart(2, '0');
  const at =
    n % 5 === 0
      ? `"2024-01-01T10:${minute}:00Z"`
      : n % 5 === 1
        ? `"2024-01-01 10:${minute}:00.123456+05:30"`
        : `"2024-01-01 10:${minute}:0${n % 10}"`;
  const day = `2020-${String((n % 12) + 1).padStart(2, '0')}-${String((n % 28) + 1).padStart(2, '0')}`;
  return `{"id":${n},"email":"user${n}@example.com","day":"${day}","amount":${amount},"paid":${n % 2 === 0},"note":${note},"at":${at}}`;
}

/** Records the writer leaves to the usual path: each must load (or be rejected) as that path does it. */
export const ODD_RECORDS = [
  // Keys out of order and one repeated (the last wins; keys out of order alone go as COPY text).
  '{"email":"a","id":40001,"day":"2024-01-01","amount":1,"paid":true,"note":"x","at":"2024-01-01 10:00:00","email":"a2"}',
  // A key missing, two out of order and one repeated (a missing key alone goes as COPY text, NULL in its place).
  '{"id":40002,"email":"b","day":"2024-01-01","amount":1,"note":"x","paid":true,"id":40002}',
  '{"id":40003,"email":"c","day":"2024-01-01","amount":1e5,"paid":true,"note":"x","at":null}',
  '{"id":40004,"email":"d","day":"2024-01-01","amount":-0.0,"paid":true,"note":"x","at":null}',
  '{"id":"40005","email":"  padded  ","day":"2024-01-01","amount":1,"paid":false,"note":"NULL","at":null}',
  '{"id":40006,"email":"","day":"2024-02-30","amount":1,"paid":true,"note":"x","at":null}',
  '{"id":40007,"email":"e","day":"2024-1-5","amount":1,"paid":"yes","note":"x","at":"2024-01-01 24:00:00"}',
  '{"id":40008,"email":"f","day":"2024-01-05","amount":"1,5","paid":1,"note":"a\\u0000b","at":"2024-01-01 23:59:60"}',
  '{"id":40009,"email":"g","day":"2024-01-05","amount":2,"paid":0,"note":{"nested":1},"at":"2024-01-01 10:00:00.1234567"}',
  '{"id":40010,"email":"h","day":" 2024-01-05","amount":2,"paid":true,"note":12,"at":"2024-01-01T10:00:00+15:00"}',
  '{"id":12345678901234567890,"email":"i","day":"2024-01-05","amount":2,"paid":true,"note":"x","at":null}',
  '{"id":40012,"email":"j","day":"2024-01-05","amount":2,"paid":true,"note":"x","at":"2024-01-01 10:00:00","extra":1}',
  '{"id":40013,"email":null,"day":null,"amount":null,"paid":null,"note":"x ","at":"2024-01-01 10:00"}',
  '{"id":40014,"email":"k","day":"2024-01-05","amount":2,"paid":true,"note":"\\ud83d","at":null}',
];

/** A writer for records with these columns (UTC, '' the only null token), as a load would offer it. */
export function copyRunsFor(names: readonly string[], types: readonly ColumnType[]): JsonCopyRuns {
  return JsonCopyRuns.create(
    names,
    types.map((type) => ({
      kind: 'jsonValue' as const,
      check: null,
      type,
      timeZone: 'UTC',
      nullTokens: [''],
    })),
  )!;
}
