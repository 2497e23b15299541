import type {
  PreviewColumnDto,
  PreviewResultDto,
  PreviewRowDto,
} from '../../common/contract/shared-schemas.ts';
import type { ColumnPlan } from '../../common/normalize/infer.ts';
import { createRowNormalizer } from '../../common/normalize/normalizer.ts';
import { type JobSpecInput, parseJobSpec, type SourceSpec } from '../../common/spec/job-spec.ts';
import type { JsonValue, RawValue } from '../../common/types.ts';
import { JsonNumber } from '../../common/types.ts';
import { planJob } from '../pipeline/plan-job.ts';
import { checkColumnCount } from '../sources/column-limit.ts';
import { openSource } from '../sources/open-source.ts';
import type { DetectedFormat } from '../sources/types.ts';

/** Default number of rows a preview shows. */
export const DEFAULT_PREVIEW_LIMIT = 200;

/**
 * Reads the first rows of a job's source and shows, for each, the raw values beside the
 * normalized ones and every cell that would be rejected, with the inferred (or declared)
 * column plans. Records nothing.
 */
export async function preview(
  input: JobSpecInput,
  options: { limit?: number; signal?: AbortSignal } = {},
): Promise<PreviewResultDto> {
  const spec = parseJobSpec(input);
  const limit = options.limit ?? DEFAULT_PREVIEW_LIMIT;
  const job = await planJob(spec, { signal: options.signal, minRows: limit });
  try {
    const normalizer = createRowNormalizer(job.plans);
    const targetNames = job.plans.map((p) => p.name);
    const rows: PreviewRowDto[] = [];
    let rejectedRows = 0;
    for (const row of job.sampleRows.slice(0, limit)) {
      const raw: Record<string, unknown> = {};
      for (let i = 0; i < targetNames.length; i++) raw[targetNames[i]!] = rawToJson(row.values[i]);
      if (row.problem) {
        rejectedRows++;
        rows.push({ line: row.line, raw, values: {}, errors: [], problem: { ...row.problem } });
        continue;
      }
      const result = normalizer.normalize(row.values);
      const values: Record<string, unknown> = {};
      normalizer.columns.forEach((c, i) => {
        values[c.name] = result.values[i] ?? null;
      });
      if (result.errors) rejectedRows++;
      rows.push({
        line: row.line,
        raw,
        values,
        errors: result.errors ? result.errors.map((e) => ({ ...e })) : [],
      });
    }
    return {
      format: formatDto(job.source.format),
      columns: job.plans.map(columnDto),
      rows,
      rejectedRows,
      sampleSize: Math.min(job.sampleRows.length, spec.settings.sampleSize),
    };
  } finally {
    await job.source.close();
  }
}

/**
 * Detects a source's format and header without reading more than its head.
 * @throws LoadstoneError SOURCE_FORMAT for more columns than a PostgreSQL table holds
 */
export async function inspectSource(
  source: SourceSpec,
  options: { signal?: AbortSignal } = {},
): Promise<{ format: PreviewResultDto['format']; columns: string[]; sizeBytes: number | null }> {
  const opened = await openSource(source, options);
  try {
    checkColumnCount(source.path, opened.columns);
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

function columnDto(plan: ColumnPlan): PreviewColumnDto {
  const format: PreviewColumnDto['format'] = {
    nullTokens: [...plan.format.nullTokens],
    decimalSeparator: plan.format.decimalSeparator,
    percent: plan.format.percent,
    dateOrder: plan.format.dateOrder,
    timeZone: plan.format.timeZone,
    twoDigitYearPivot: plan.format.twoDigitYearPivot,
  };
  if (plan.format.numericDates) format.numericDates = plan.format.numericDates;
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
    warnings: [...plan.warnings],
    format,
  };
}

/** Raw values as JSON: exact number text stays text-exact (`JsonNumber.toJSON`). */
function rawToJson(value: RawValue | undefined): JsonValue {
  if (value === undefined) return null;
  if (value instanceof JsonNumber) return value.toJSON();
  return value as JsonValue;
}
