import type { PreviewResultDto } from '../../common/contract/shared-schemas.ts';
import { DEFAULT_PREVIEW_LIMIT, preview } from '../preview/preview.ts';
import { intOption, parseCliArgs } from './args.ts';
import { EXIT } from './exit-codes.ts';
import type { CliCommand, CliIo } from './io.ts';
import { jobFromOptions, SOURCE_OPTIONS, SOURCE_OPTIONS_HELP } from './job-options.ts';
import { renderTable, truncateCell } from './table.ts';

const USAGE = `Usage: loadstone preview <file> [--limit N] [--spec job.json] [--json] [source options]

Shows the first rows raw and normalized, the inferred column types, and every cell that would be rejected.
Records nothing.

  --limit N     Rows to show (default ${DEFAULT_PREVIEW_LIMIT})
  --json        Print one JSON object: { format, columns, rows }

${SOURCE_OPTIONS_HELP}`;

/** `loadstone preview`: reads and normalizes the first rows of a file without loading anything. */
export const previewCommand: CliCommand = async (args, io) => {
  const { values, positionals } = parseCliArgs(
    args,
    { ...SOURCE_OPTIONS, limit: { type: 'string' }, json: { type: 'boolean' } },
    USAGE,
  );
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  if (positionals.length > 1) {
    io.stderr.write(`loadstone: preview takes one file, got ${positionals.length}\n${USAGE}\n`);
    return EXIT.usage;
  }
  const limit = intOption(values.limit, 'limit', 1) ?? DEFAULT_PREVIEW_LIMIT;
  const spec = await jobFromOptions(positionals[0], values, io.cwd);
  const result = await preview(spec, { limit, signal: io.signal });
  if (values.json) {
    io.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    writeHuman(result, io);
  }
  return EXIT.ok;
};

function describeFormat(format: PreviewResultDto['format']): string {
  const parts: string[] = [format.kind, format.encoding + (format.bom ? ' (BOM)' : '')];
  if (format.compression === 'gzip') parts.push('gzip');
  if (format.delimiter !== undefined)
    parts.push(`delimiter ${format.delimiter === '\t' ? 'TAB' : `'${format.delimiter}'`}`);
  if (format.quote !== undefined) parts.push(format.quote === '' ? 'no quoting' : `quote ${format.quote}`);
  if (format.sheet !== undefined) parts.push(`sheet '${format.sheet}' of ${format.sheets?.length ?? 1}`);
  parts.push(format.header ? 'header row' : 'no header');
  return parts.join(', ');
}

function displayValue(value: unknown): string {
  if (value === null || value === undefined) return '∅';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

function writeHuman(result: PreviewResultDto, io: CliIo): void {
  const out: string[] = [];
  out.push(`Format: ${describeFormat(result.format)}`);
  out.push(`Sample: ${result.sampleSize} rows read to infer types`);
  out.push('');
  out.push(
    renderTable(
      ['column', 'source', 'type', 'nulls', 'not fitting'],
      result.columns.map((c) => [
        c.skip ? `${c.name} (skipped)` : c.name,
        truncateCell(c.source, 30),
        c.type + (c.declared ? ' (declared)' : ''),
        String(c.nullCount),
        c.nonFitting === 0 ? '' : `${c.nonFitting} of ${c.sampleSize}`,
      ]),
    ),
  );
  const shown = result.columns.filter((c) => !c.skip);
  out.push('');
  out.push(`Rows (${result.rows.length}, normalized; ✗ marks a rejected cell, showing its raw value):`);
  out.push(
    renderTable(
      ['line', ...shown.map((c) => c.name)],
      result.rows.map((row) => {
        if (row.problem)
          return [String(row.line), `✗ ${row.problem.message}`, ...shown.slice(1).map(() => '')];
        const bad = new Set(row.errors.map((e) => e.column));
        return [
          String(row.line),
          ...shown.map((c) =>
            truncateCell(
              bad.has(c.name) ? `✗ ${displayValue(row.raw[c.name])}` : displayValue(row.values[c.name]),
              28,
            ),
          ),
        ];
      }),
    ),
  );
  const rejected = result.rows.filter((r) => r.problem || r.errors.length > 0);
  if (rejected.length > 0) {
    out.push('');
    out.push(`Rejected rows in this preview: ${rejected.length} of ${result.rows.length}`);
    for (const row of rejected) {
      if (row.problem) out.push(`  line ${row.line}: ${row.problem.reason}: ${row.problem.message}`);
      for (const e of row.errors) out.push(`  line ${row.line}, ${e.column}: ${e.reason}: ${e.message}`);
    }
  }
  const warnings = result.columns.flatMap((c) => c.warnings.map((w) => `  ${c.name}: ${w}`));
  if (warnings.length > 0) {
    out.push('');
    out.push('Warnings:');
    out.push(...warnings);
  }
  io.stdout.write(`${out.join('\n')}\n`);
}
