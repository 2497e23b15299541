import type { createRowNormalizer } from '../../common/normalize/normalizer.ts';
import {
  type NormalizedValue,
  type RawValue,
  type RejectedRow,
  rowProblemErrors,
} from '../../common/types.ts';
import { rawRecord, rowStartInRun } from '../load/held-rows.ts';
import type { LoadBatch, LoadRow } from '../load/types.ts';
import type { SourceRow } from '../sources/types.ts';

/**
 * A good row on its way to the loader. The loader reads `raw` only for rows the database refuses,
 * so the record is built on demand from the source cells instead of once per row: that saves an
 * object per row on the hot path (allocation and GC time, and memory while a chunk is in flight).
 */
class PipelineRow implements LoadRow {
  constructor(
    readonly line: number,
    readonly ordinal: number,
    readonly values: readonly NormalizedValue[],
    readonly rawColumns: readonly string[],
    readonly cells: readonly RawValue[],
    readonly extra: readonly RawValue[] | undefined,
    readonly text: string | Buffer | undefined,
    readonly textStart: number | undefined,
    readonly textEnd: number | undefined,
    readonly reparse: ((recordText: string) => readonly RawValue[]) | undefined,
    readonly verbatim: boolean,
    readonly rows: number,
  ) {}

  get raw(): Record<string, RawValue> {
    return rawRecord(this.rawColumns, this.cells, this.extra);
  }
}

/**
 * Source rows → normalized load batches; parse and normalize rejects travel with them. Rows carry
 * their ordinal among all source records. `skipRecords` (a resumed load): the first records are
 * read but neither normalized, loaded, rejected nor counted: an earlier run committed them.
 */
export async function* toLoadBatches(
  rows: AsyncIterable<SourceRow[]>,
  columns: readonly string[],
  normalizer: ReturnType<typeof createRowNormalizer>,
  source: {
    bytesRead(): number;
    readonly totalBytes: number | undefined;
    readonly readsNoBytes?: true | undefined;
    readonly estimatedRows?: number | undefined;
    reparse?: ((recordText: string) => RawValue[]) | undefined;
    readonly copyText?:
      | {
          readonly reparse?: ((recordText: string) => RawValue[]) | undefined;
          readonly lineColumns?: readonly string[] | undefined;
        }
      | undefined;
  },
  skipRecords = 0,
): AsyncGenerator<LoadBatch> {
  let rowsRead = 0;
  let ordinal = 0;
  const reparse = source.reparse;
  // A JSON source reads its own record text; its verbatim rows are COPY text, read by its copyText.
  const reparseVerbatim = source.copyText?.reparse ?? reparse;
  for await (const batch of rows) {
    const good: LoadRow[] = [];
    const rejected: RejectedRow[] = [];
    if (skipRecords > 0) {
      let count = 0;
      for (const row of batch) count += row.rows ?? 1;
      if (ordinal + count <= skipRecords) {
        ordinal += count;
        continue;
      }
    }
    for (const row of batch) {
      if (row.verbatim) {
        // COPY text the target takes as it is: nothing to normalize (see verbatim.ts). It may be a
        // run of rows (`rows`), of which a resumed load skips those committed before.
        let run = row.rows ?? 1;
        let line = row.line;
        let start = row.textStart!;
        const text = row.bytes ?? row.text!;
        if (ordinal + run <= skipRecords) {
          ordinal += run;
          continue;
        }
        if (ordinal < skipRecords) {
          const skip = skipRecords - ordinal;
          start = rowStartInRun(text, start, skip);
          line += skip;
          ordinal += skip;
          run -= skip;
        }
        rowsRead += run;
        good.push(
          new PipelineRow(
            line,
            ordinal + 1,
            row.values,
            // The columns its lines hold (those the load does not leave out).
            source.copyText?.lineColumns ?? columns,
            row.values,
            undefined,
            text,
            start,
            row.textEnd,
            reparseVerbatim,
            true,
            run,
          ),
        );
        ordinal += run;
        continue;
      }
      ordinal++;
      if (ordinal <= skipRecords) continue;
      rowsRead++;
      if (row.problem) {
        rejected.push({
          line: row.line,
          stage: 'parse',
          raw: rawRecord(columns, row.values, row.extra),
          ...(row.rawText !== undefined ? { rawText: row.rawText } : {}),
          errors: rowProblemErrors(row.problem, normalizer.columns),
        });
        continue;
      }
      const result = normalizer.normalize(row.values);
      if (result.errors) {
        rejected.push({
          line: row.line,
          stage: 'normalize',
          raw: rawRecord(columns, row.values, row.extra),
          errors: result.errors.map((e) => ({
            column: e.column,
            value: e.value,
            reason: e.reason,
            message: e.message,
          })),
        });
        continue;
      }
      good.push(
        new PipelineRow(
          row.line,
          ordinal,
          result.values,
          columns,
          row.values,
          row.extra,
          reparse && row.text,
          row.textStart,
          row.textEnd,
          reparse,
          false,
          1,
        ),
      );
    }
    yield {
      rows: good,
      rejectedUpstream: rejected,
      rowsRead,
      ...(source.readsNoBytes ? {} : { bytesRead: source.bytesRead() }),
      ...(source.totalBytes !== undefined ? { totalBytes: source.totalBytes } : {}),
      ...(source.estimatedRows !== undefined ? { estimatedRows: source.estimatedRows } : {}),
    };
  }
}
