import type { ColumnSpec, Encoding, JobSpec, LoadMode, ReadKind } from './job-spec.ts';
import { isFileSource } from './job-spec.ts';

/** How a run's source file was written, as the reader found (or was told) it. Stored with the run. */
export interface SourceDialect {
  readonly kind: ReadKind;
  readonly encoding: Encoding;
  readonly compression: 'none' | 'gzip';
  /** Delimited text only. */
  readonly delimiter?: string;
  /** Delimited text only; '' when quoting was off. */
  readonly quote?: string;
  readonly header: boolean;
  /** Whether the file began with a byte-order mark. */
  readonly bom?: boolean;
}

/** How an export for fixing is written: always delimited text with a header row. */
export interface FixingDialect {
  readonly kind: 'csv' | 'tsv';
  readonly encoding: Encoding;
  readonly delimiter: string;
  /** '' when the source had quoting off: fields are then written as they are. */
  readonly quote: string;
  /** Whether the file begins with a byte-order mark (the source had one, or the operator asked). */
  readonly bom: boolean;
}

/**
 * The dialect an export for fixing of a run is written in: a delimited source's own encoding,
 * delimiter, quote and BOM (the cells are its raw text, so its decimal mark and date forms stay);
 * an XLSX, JSON or NDJSON source's rows as UTF-8 CSV (no spreadsheet or JSON writer is needed to fix
 * a few rows, and a reload reads it back with the same column plans). A gzipped source is written
 * uncompressed. `bom: true` adds a BOM where the source had none (Excel on Windows).
 * `fallback` (the run's spec source) serves runs recorded before the dialect was kept.
 */
export function fixingDialect(
  source: SourceDialect | null,
  fallback: Partial<Pick<SourceDialect, 'kind' | 'encoding' | 'delimiter' | 'quote'>>,
  bom = false,
): FixingDialect {
  const kind = source?.kind ?? fallback.kind ?? 'csv';
  if (kind !== 'csv' && kind !== 'tsv') {
    return { kind: 'csv', encoding: 'utf-8', delimiter: ',', quote: '"', bom };
  }
  const delimiter = source?.delimiter ?? fallback.delimiter ?? (kind === 'tsv' ? '\t' : ',');
  return {
    kind: delimiter === '\t' ? 'tsv' : 'csv',
    encoding: source?.encoding ?? fallback.encoding ?? 'utf-8',
    delimiter,
    quote: source?.quote ?? fallback.quote ?? '"',
    bom: bom || source?.bom === true,
  };
}

/**
 * The mode a reload of fixed rows runs in: the rows must ADD to what the original run loaded.
 * replace → append (replacing would drop the rows loaded first); incremental → upsert on its key
 * (the fixed rows may lie at or below the watermark and must not be skipped); append and upsert stay.
 */
export function reloadMode(mode: LoadMode): 'append' | 'upsert' {
  return mode === 'upsert' || mode === 'incremental' ? 'upsert' : 'append';
}

/**
 * The job a reload runs: the original run's spec (target, formats, settings, job name) with the fixed
 * file as its source, read in the dialect it was exported in (header row; a trailing
 * `loadstone_error` column is dropped by the reader), the columns as the original run decided them
 * (names, types, formats: `columnPlans`, or the spec's own columns for runs recorded before those
 * were kept), and the mode of `reloadMode` (no truncate, no watermark).
 * @param original the original run's spec, as stored with it (it has a target).
 */
export function reloadSpec(
  original: JobSpec,
  columnPlans: readonly ColumnSpec[] | null,
  dialect: FixingDialect,
  fixedPath: string,
  /**
   * The original source was not delimited text (a database, JSON, an API, XLSX): its NULLs were
   * written into the fixing file as empty fields.
   */
  nullsWrittenEmpty = false,
): JobSpec {
  const target = original.target;
  if (!target) throw new Error('reloadSpec: the original run has no target');
  const mode = reloadMode(target.mode);
  const { truncate: _truncate, watermark: _watermark, ...kept } = target;
  // A fixing file of a database's, JSON's or API's rows cannot tell an empty text from NULL (its NULLs
  // are written as empty fields): in a column whose text was kept as read, an empty field is NULL, as
  // a cleared spreadsheet cell is meant. A CSV's own empty fields stay what they were.
  const columns = (columnPlans ?? original.columns)?.map((c) =>
    nullsWrittenEmpty && c.keepText && !(c.nullTokens ?? []).includes('')
      ? { ...c, nullTokens: [...(c.nullTokens ?? []), ''] }
      : c,
  );
  return {
    ...original,
    source: {
      kind: 'file',
      path: fixedPath,
      format: dialect.kind,
      encoding: dialect.encoding,
      delimiter: dialect.delimiter,
      quote: dialect.quote,
      header: true,
      ...(isFileSource(original.source) && original.source.maxLineChars !== undefined
        ? { maxLineChars: original.source.maxLineChars }
        : {}),
    },
    ...(columns ? { columns: [...columns] } : {}),
    target: { ...kept, mode },
  };
}
