import type {
  PreviewColumnDto,
  PreviewResultDto,
  PreviewRowDto,
} from '../../common/contract/shared-schemas.ts';
import { rawText } from '../../common/normalize/column-rule.ts';
import type { ColumnPlan } from '../../common/normalize/infer.ts';
import { createRowNormalizer, type RowNormalizer } from '../../common/normalize/normalizer.ts';
import { RejectTally, unreadableWarning } from '../../common/normalize/reject-tally.ts';
import { BUILT_IN_DEFAULTS, type FormatDefaults } from '../../common/spec/format-defaults.ts';
import { type JobSpecInput, parseJobSpec, type SourceSpec } from '../../common/spec/job-spec.ts';
import { sourceLabel } from '../../common/spec/source-label.ts';
import type { JsonValue, RawValue, RecordPlace } from '../../common/types.ts';
import { JsonNumber, JsonText } from '../../common/types.ts';
import { rawRecord } from '../load/held-rows.ts';
import { planJob } from '../pipeline/plan-job.ts';
import { checkColumnCount } from '../sources/column-limit.ts';
import { openSource } from '../sources/open-source.ts';
import { type Scrub, scrubJson } from '../sources/scrub.ts';
import type { DetectedFormat, OpenSourceOptions, SourceConnections, SourceRow } from '../sources/types.ts';

/** Default number of rows a preview shows. */
export const DEFAULT_PREVIEW_LIMIT = 200;

/** Rejected sampled rows sent beyond the rows shown (`moreRejected`). */
export const MORE_REJECTED_LIMIT = 1000;

/**
 * Reads the first rows of a job's source and shows, for each, the raw values beside the
 * normalized ones and every cell that would be rejected, with the inferred (or declared)
 * column plans. Every row of the inference sample is normalized too, so that the counts of
 * rejected rows (`counts.sample`, one `RejectTally` for the badge, the column headers and the
 * warnings) cover what the types were inferred from, not only the rows shown. `defaults` are the
 * saved Settings' date order and time zone (else the built-in ones), applied where the spec says
 * nothing, as a load applies them; the result says where each came from. Records nothing.
 */
export async function preview(
  input: JobSpecInput,
  options: {
    limit?: number;
    signal?: AbortSignal;
    defaults?: FormatDefaults;
    /** Saved connections for a database source (the run store's). */
    connections?: SourceConnections;
    /** Resolves a database source's saved connection name (or URL) with its secret. */
    resolveConnection?: OpenSourceOptions['resolveConnection'];
    /** Secret lookups of a network source (environment, saved secrets), and what it tells as it reads. */
    source?: Pick<OpenSourceOptions, 'env' | 'secret' | 'onRead' | 'onEvent'>;
  } = {},
): Promise<PreviewResultDto> {
  const spec = parseJobSpec(input);
  const limit = options.limit ?? DEFAULT_PREVIEW_LIMIT;
  const defaults = options.defaults ?? BUILT_IN_DEFAULTS;
  // What the source warns of as it opens and reads (a load records it with the run).
  const sourceWarnings: { kind: string; message: string }[] = [];
  const onEvent = options.source?.onEvent;
  const job = await planJob(spec, {
    signal: options.signal,
    minRows: limit,
    defaults,
    ...(options.connections ? { connections: options.connections } : {}),
    preview: true,
    ...(options.resolveConnection ? { resolveConnection: options.resolveConnection } : {}),
    source: {
      ...options.source,
      onEvent: (event) => {
        onEvent?.(event);
        if (event.warning) sourceWarnings.push({ kind: event.kind, message: event.message });
      },
    },
  });
  try {
    const normalizer = createRowNormalizer(job.plans);
    // What an API echoed into its records (a token, a key) is shown scrubbed; a file has no `scrub`.
    const scrub = job.source.scrub?.bind(job.source);
    const targetNames = job.plans.map((p) => p.name);
    const sampleRows = job.sampleRows;
    const sampled = Math.min(sampleRows.length, spec.settings.sampleSize);
    const sample = new RejectTally();
    const shown = new RejectTally();
    const rows: PreviewRowDto[] = [];
    const moreRejected: PreviewRowDto[] = [];
    const end = Math.max(sampled, Math.min(limit, sampleRows.length));
    const sourcePlace = job.source.placeOf?.bind(job.source);
    const sourceColumns = job.source.columns;
    const placeOf = sourcePlace
      ? (row: SourceRow) => sourcePlace(row.line, rawRecord(sourceColumns, row.values, row.extra))
      : undefined;
    for (let i = 0; i < end; i++) {
      const row = sampleRows[i]!;
      const result = row.problem ? null : normalizer.normalize(row.values);
      const errors = result?.errors ?? null;
      const rejected = i < sampled ? sample.add(row.line, row.problem, errors) : false;
      // A rejected row is placed as the error report places it (an API page and record, a key).
      const at = (row.problem || errors) && placeOf ? placeOf(row) : undefined;
      if (i < limit) {
        shown.add(row.line, row.problem, errors);
        rows.push(placed(rowDto(row, targetNames, normalizer, result, job.source.format, scrub), at));
      } else if (rejected && moreRejected.length < MORE_REJECTED_LIMIT) {
        moreRejected.push(placed(rowDto(row, targetNames, normalizer, result, job.source.format, scrub), at));
      }
    }
    const sampleCounts = sample.counts();
    const shownCounts = shown.counts();
    const warnings: string[] = [];
    const wholeFile = job.sampledToEnd && sampled === sampleRows.length;
    const unreadable = unreadableWarning(sampleCounts, sample.unreadableExamples(), { sampled: !wholeFile });
    if (unreadable) warnings.push(scrub ? scrub(unreadable) : unreadable);
    const said = sourceWarnings.map((w) => (scrub ? { ...w, message: scrub(w.message) } : w));
    warnings.push(...said.map((w) => w.message));
    return {
      format: formatDto(job.source.format),
      columns: job.plans.map((plan) => columnDto(plan, scrub, job.source.nativeTypes?.[plan.index] ?? null)),
      rows,
      rejectedRows: shownCounts.rejected,
      sampleSize: sampleCounts.rows,
      counts: { sample: sampleCounts, shown: shownCounts, wholeFile },
      moreRejected,
      warnings,
      ...(said.length > 0 ? { sourceWarnings: said } : {}),
      ...(job.source.notes ? { requests: [...job.source.notes()] } : {}),
      defaults: {
        dateOrder: spec.format.dateOrder
          ? { value: spec.format.dateOrder, from: 'job' }
          : { ...defaults.dateOrder },
        timeZone: spec.format.timeZone
          ? { value: spec.format.timeZone, from: 'job' }
          : { ...defaults.timeZone },
      },
    };
  } finally {
    await job.source.close();
  }
}

/** `dto` with where its row is, when the source says. */
function placed(dto: PreviewRowDto, at: RecordPlace | undefined): PreviewRowDto {
  return at ? { ...dto, at } : dto;
}

function rowDto(
  row: SourceRow,
  targetNames: readonly string[],
  normalizer: RowNormalizer,
  result: ReturnType<RowNormalizer['normalize']> | null,
  format: DetectedFormat,
  scrub: Scrub | undefined,
): PreviewRowDto {
  const dto = rowDtoOf(row, targetNames, normalizer, result, format);
  return scrub ? scrubRowDto(dto, scrub) : dto;
}

/** A preview row with every secret in its values, messages and record text scrubbed (not its column names). */
function scrubRowDto(dto: PreviewRowDto, scrub: Scrub): PreviewRowDto {
  const cells = (record: Record<string, unknown>): Record<string, JsonValue> => {
    const out: Record<string, JsonValue> = {};
    for (const [name, value] of Object.entries(record)) out[name] = scrubJson(shownJson(value), scrub);
    return out;
  };
  const out: PreviewRowDto = {
    ...dto,
    raw: cells(dto.raw),
    values: cells(dto.values),
    errors: dto.errors.map((e) => ({ ...e, value: scrub(e.value), message: scrub(e.message) })),
  };
  if (dto.problem) {
    out.problem = { ...dto.problem, message: scrub(dto.problem.message) };
    if (dto.problem.rawText !== undefined) out.problem.rawText = scrub(dto.problem.rawText);
  }
  return out;
}

/** A cell as the DTO's JSON will show it (a JsonText's parsed value). */
function shownJson(value: unknown): JsonValue {
  if (value instanceof JsonText || value instanceof JsonNumber) return value.toJSON();
  return (value ?? null) as JsonValue;
}

function rowDtoOf(
  row: SourceRow,
  targetNames: readonly string[],
  normalizer: RowNormalizer,
  result: ReturnType<RowNormalizer['normalize']> | null,
  format: DetectedFormat,
): PreviewRowDto {
  const raw: Record<string, unknown> = {};
  for (let i = 0; i < targetNames.length; i++) raw[targetNames[i]!] = rawToJson(row.values[i]);
  if (row.problem || !result) {
    const { cells, ...said } = row.problem!;
    const problem: NonNullable<PreviewRowDto['problem']> = { ...said };
    const blamed = cells?.flatMap(
      (c) => normalizer.columns.find((t) => t.sourceIndex === c.column)?.name ?? [],
    );
    if (blamed && blamed.length > 0) problem.columns = blamed;
    const text = recordText(row, format);
    if (text !== undefined) {
      problem.rawText = text.length > RAW_TEXT_LIMIT ? `${text.slice(0, RAW_TEXT_LIMIT)}…` : text;
      if (text.length > RAW_TEXT_LIMIT) problem.rawTextLength = text.length;
    }
    return { line: row.line, raw, values: {}, errors: [], problem };
  }
  const values: Record<string, unknown> = {};
  normalizer.columns.forEach((c, i) => {
    values[c.name] = result.values[i] ?? null;
  });
  return {
    line: row.line,
    raw,
    values,
    errors: result.errors ? result.errors.map((e) => ({ ...e })) : [],
  };
}

/** Longest record text a preview row carries. */
const RAW_TEXT_LIMIT = 2000;

/**
 * The text of a row the reader could not split: the source's own (`rawText`, or where the record
 * is in the reader's buffer); for XLSX, whose rows have no text, the cells as read, tab-separated.
 */
function recordText(row: SourceRow, format: DetectedFormat): string | undefined {
  if (row.rawText !== undefined) return row.rawText;
  if (row.text !== undefined && row.textStart !== undefined && row.textEnd !== undefined) {
    return row.text.slice(row.textStart, row.textEnd);
  }
  if (format.kind !== 'xlsx') return undefined;
  const cells = [...row.values, ...(row.extra ?? [])];
  while (cells.length > 0 && (cells.at(-1) === null || cells.at(-1) === undefined)) cells.pop();
  return cells.map((v) => rawText(v)).join('\t');
}

/**
 * Detects a source's format and header without reading more than its head.
 * @throws LoadstoneError SOURCE_FORMAT for more columns than a PostgreSQL table holds
 */
export async function inspectSource(
  source: SourceSpec,
  options: {
    signal?: AbortSignal;
    connections?: SourceConnections;
    resolveConnection?: OpenSourceOptions['resolveConnection'];
    env?: NodeJS.ProcessEnv;
    secret?: (id: string, url: string) => string;
  } = {},
): Promise<{ format: PreviewResultDto['format']; columns: string[]; sizeBytes: number | null }> {
  const opened = await openSource(source, options);
  try {
    checkColumnCount(sourceLabel(source), opened.columns);
    return {
      format: formatDto(opened.format),
      columns: [...opened.columns],
      sizeBytes: opened.totalBytes ?? null,
    };
  } finally {
    await opened.close();
  }
}

function formatDto(format: DetectedFormat): PreviewResultDto['format'] {
  const out: PreviewResultDto['format'] = {
    kind: format.kind,
    encoding: format.encoding,
    compression: format.compression,
    header: format.header,
  };
  if (format.delimiter !== undefined) out.delimiter = format.delimiter;
  if (format.quote !== undefined) out.quote = format.quote;
  if (format.sheet !== undefined) out.sheet = format.sheet;
  if (format.sheets !== undefined) out.sheets = [...format.sheets];
  if (format.bom !== undefined) out.bom = format.bom;
  return out;
}

function columnDto(plan: ColumnPlan, scrub: Scrub | undefined, nativeType: string | null): PreviewColumnDto {
  const format: PreviewColumnDto['format'] = {
    nullTokens: [...plan.format.nullTokens],
    decimalSeparator: plan.format.decimalSeparator,
    percent: plan.format.percent,
    dateOrder: plan.format.dateOrder,
    timeZone: plan.format.timeZone,
    twoDigitYearPivot: plan.format.twoDigitYearPivot,
  };
  if (plan.format.numericDates) format.numericDates = plan.format.numericDates;
  if (plan.format.keepText) format.keepText = true;
  return {
    index: plan.index,
    source: plan.source,
    name: plan.name,
    type: plan.type,
    declared: plan.declared,
    skip: plan.skip,
    sampleSize: plan.sampleSize,
    nullCount: plan.nullCount,
    nonFitting: plan.nonFitting,
    // A warning may quote a sampled value.
    warnings: scrub ? plan.warnings.map(scrub) : [...plan.warnings],
    format,
    origins: { ...plan.origins },
    ...(nativeType !== null && plan.type === 'text' ? { nativeType } : {}),
    ...(plan.sourceType ? { sourceType: plan.sourceType } : {}),
  };
}

/** Raw values as JSON: exact number text stays text-exact (`JsonNumber.toJSON`). */
function rawToJson(value: RawValue | undefined): JsonValue {
  if (value === undefined) return null;
  if (value instanceof JsonNumber) return value.toJSON();
  return value as JsonValue;
}
