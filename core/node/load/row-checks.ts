import type { NormalizedValue, RejectedRow } from '../../common/types.ts';
import type { UnloadableCell } from './copy-text.ts';
import type { LoadColumn, LoadRow } from './types.ts';

/** A row whose watermark is empty cannot be placed against the watermark: rejected, not skipped. */
export function missingWatermark(row: LoadRow, column: string): RejectedRow {
  return {
    line: row.line,
    stage: 'load',
    raw: row.raw,
    errors: [
      {
        column,
        value: null,
        reason: 'missing_watermark',
        message: `the watermark column ${column} is empty, so the row cannot be compared with the watermark`,
      },
    ],
  };
}

/** A row with a value COPY cannot carry (NUL character, unpaired surrogate, non-finite number). */
export function unloadable(row: LoadRow, columns: readonly LoadColumn[], cell: UnloadableCell): RejectedRow {
  const column = columns[cell.index]!.name;
  const v = row.values[cell.index];
  return {
    line: row.line,
    stage: 'load',
    raw: row.raw,
    errors: [
      {
        column,
        value: typeof v === 'string' ? v : v === null || v === undefined ? null : JSON.stringify(v),
        reason: cell.problem.reason,
        message: `${column} ${cell.problem.message}`,
      },
    ],
  };
}

/**
 * A key identity for spotting repeated keys inside a chunk (a hint: equal keys under the target's
 * type are also caught by the server). Undefined when a key part is null (such rows fail on the
 * key's NOT NULL anyway).
 */
export function keyFunction(key: readonly number[]): (values: readonly NormalizedValue[]) => unknown {
  if (key.length === 1) {
    const k = key[0]!;
    return (values) => {
      const v = values[k];
      return v === null || v === undefined ? undefined : typeof v === 'object' ? String(v) : v;
    };
  }
  return (values) => {
    let out = '';
    for (const k of key) {
      const v = values[k];
      if (v === null || v === undefined) return undefined;
      out += `${typeof v === 'object' ? JSON.stringify(v) : String(v)}\u0000`;
    }
    return out;
  };
}
