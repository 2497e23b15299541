import path from 'node:path';
import { LoadstoneError } from '../../common/errors.ts';
import { FIXING_ERROR_COLUMN, guardCell } from '../../common/export-format.ts';
import { type FileSourceSpec, isFileSource } from '../../common/spec/job-spec.ts';
import { type FixingDialect, fixingDialect } from '../../common/spec/source-dialect.ts';
import { runSeqOf } from './context.ts';
import { byteOrderMark, encodable, encodeText, toEncodable } from './encode-text.ts';
import { openFile, Sink } from './export.ts';
import type { RunStore } from './open-store.ts';
import { rawCellTexts } from './raw-json.ts';
import { type RejectedRowRecord, RowSelector } from './reports.ts';
import type { ReportFilter } from './types.ts';

export interface FixingExportOptions {
  filter?: ReportFilter;
  /** Begin with a byte-order mark even where the source had none (Excel on Windows). */
  bom?: boolean;
  signal?: AbortSignal;
  /** Rows read from SQLite per batch (default 500). */
  batchSize?: number;
}

/**
 * Export for fixing: a run's rejected rows in the source's own dialect (`fixingDialect`: encoding,
 * delimiter, quote, BOM), with only the source's columns, by their original names in source order,
 * holding the raw text as read (so the operator edits what the file said), plus one trailing
 * `loadstone_error` column saying what was wrong. Formula-like cells get the reversible guard of
 * core/common/export-format.ts (the trailing column marks the file as an export, so the reload
 * removes exactly those guards). A record that could not be split into fields has its text in the
 * `loadstone_error` cell. `load --reload-of <runId>` loads the fixed file.
 * @throws LoadstoneError NOT_FOUND (no such run), BAD_USAGE (a cell the source's encoding cannot
 *   hold, or quoting off and a cell holding the delimiter or a line break), LOAD_CANCELLED.
 */
export async function exportForFixing(
  store: RunStore,
  runId: string,
  out: string | NodeJS.WritableStream,
  opts: FixingExportOptions = {},
): Promise<{ rows: number; path: string | null; dialect: FixingDialect }> {
  const ctx = store.context;
  runSeqOf(ctx, runId);
  const run = store.runs.get(runId);
  if (!run) throw new LoadstoneError('NOT_FOUND', `no run '${runId}' in ${ctx.path}`);
  const s: Partial<FileSourceSpec> = isFileSource(run.spec.source) ? run.spec.source : {};
  const dialect = fixingDialect(
    run.sourceFormat,
    {
      ...(s.format ? { kind: s.format } : {}),
      ...(s.encoding ? { encoding: s.encoding } : {}),
      ...(s.delimiter !== undefined ? { delimiter: s.delimiter } : {}),
      ...(s.quote !== undefined ? { quote: s.quote } : {}),
    },
    opts.bom === true,
  );
  const writer = new FixingWriter(dialect);
  const columns = run.sourceColumns;
  const cancelled = () => new LoadstoneError('LOAD_CANCELLED', 'the export was cancelled');
  if (opts.signal?.aborted) throw cancelled();
  const target =
    typeof out === 'string' ? await openFile(out) : { stream: out, commit: async () => {}, abort: () => {} };
  const sink = new Sink(target.stream);
  let cursor: { next(): RejectedRowRecord[]; close(): void } | undefined;
  let rows = 0;
  try {
    cursor = new RowSelector(ctx).cursor(
      runSeqOf(ctx, runId),
      opts.filter ?? {},
      Math.max(1, opts.batchSize ?? 500),
    );
    const head = encodeText(
      writer.record([...columns, FIXING_ERROR_COLUMN], columns.length),
      dialect.encoding,
    );
    await sink.write(dialect.bom ? Buffer.concat([byteOrderMark(dialect.encoding), head]) : head);
    for (;;) {
      if (opts.signal?.aborted) throw cancelled();
      const batch = cursor.next();
      if (batch.length === 0) break;
      let chunk = '';
      for (const row of batch) {
        chunk += writer.record(fixingCells(row, columns), columns.length);
        rows++;
      }
      await sink.write(encodeText(chunk, dialect.encoding));
    }
    await target.commit();
  } catch (error) {
    target.abort();
    throw error;
  } finally {
    cursor?.close();
    sink.detach();
  }
  return { rows, path: typeof out === 'string' ? path.resolve(out) : null, dialect };
}

/** The source cells as read, then what was wrong (the record's text when it had no fields). */
function fixingCells(row: RejectedRowRecord, columns: readonly string[]): string[] {
  const cells = rawCellTexts(row.raw, row.raw_exact === 1);
  const fields = columns.map((c) => cells.get(c) ?? '');
  const errors = JSON.parse(row.errors) as Array<{ column: string | null; message: string }>;
  let message = errors.map((e) => (e.column === null ? e.message : `${e.column}: ${e.message}`)).join('; ');
  if (row.raw_text !== null && fields.every((f) => f === '')) {
    message += `${message ? '; ' : ''}record text: ${row.raw_text}`;
  }
  fields.push(message);
  return fields;
}

/** Writes records in a fixing dialect: guarded cells, quoted where needed, CRLF line ends. */
class FixingWriter {
  readonly #d: FixingDialect;
  readonly #special: RegExp;

  constructor(dialect: FixingDialect) {
    this.#d = dialect;
    const chars = [dialect.delimiter, dialect.quote, '\r', '\n'].filter((c) => c !== '');
    this.#special = new RegExp(
      `[${chars.map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}]`,
    );
  }

  /** One record; the fields from `sourceCount` on are Loadstone's (never refused, made writable). */
  record(fields: readonly string[], sourceCount: number): string {
    let line = '';
    for (let i = 0; i < fields.length; i++) {
      line += (i === 0 ? '' : this.#d.delimiter) + this.#field(fields[i]!, i >= sourceCount);
    }
    return `${line}\r\n`;
  }

  #field(text: string, ours: boolean): string {
    const { encoding, quote, delimiter } = this.#d;
    let safe = guardCell(text);
    if (!encodable(safe, encoding)) {
      if (!ours) {
        throw new LoadstoneError(
          'BAD_USAGE',
          `a rejected value cannot be written in the source's encoding ${encoding}: export the error report instead (--export without --for-fixing)`,
        );
      }
      safe = toEncodable(safe, encoding);
    }
    if (!this.#special.test(safe)) return safe;
    if (quote !== '') return `${quote}${safe.split(quote).join(quote + quote)}${quote}`;
    if (ours)
      return safe
        .replace(/[\r\n]+/g, ' ')
        .split(delimiter)
        .join(' ');
    throw new LoadstoneError(
      'BAD_USAGE',
      `a rejected value holds the delimiter or a line break and the source has quoting off, so it cannot be written in its dialect: export the error report instead`,
    );
  }
}
