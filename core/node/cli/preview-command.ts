import { existsSync } from 'node:fs';
import type { PreviewResultDto } from '../../common/contract/shared-schemas.ts';
import { formatCount } from '../../common/normalize/defaults.ts';
import { rejectSummary } from '../../common/normalize/reject-tally.ts';
import { type FormatDefaults, formatDefaults } from '../../common/spec/format-defaults.ts';
import { placeText } from '../../common/types.ts';
import { DEFAULT_PREVIEW_LIMIT, preview } from '../preview/preview.ts';
import { sourceConnections } from '../runs/source-connections.ts';
import { resolveDataDir, storeFileIn } from '../store/data-dir.ts';
import { openStore } from '../store/open-store.ts';
import { resolveConnection } from '../store/resolve-connection.ts';
import { NoSecretStore } from '../store/secret-store.ts';
import { intOption, parseCliArgs } from './args.ts';
import { savedConnectionKind } from './database-source-args.ts';
import { EXIT } from './exit-codes.ts';
import type { CliCommand, CliIo } from './io.ts';
import { jobFromOptions, SOURCE_OPTIONS, SOURCE_OPTIONS_HELP } from './job-options.ts';
import { createProgressLine } from './progress-line.ts';
import { DATA_DIR_HELP, DATA_DIR_OPTION } from './store-command-support.ts';
import { renderTable, truncateCell } from './table.ts';

const USAGE = `Usage: loadstone preview <file | sqlite-file | database-url> [--limit N] [--spec job.json] [--json] [source options]
       loadstone preview --url URL [--records PATH] [--header 'Name: value'] [--bearer-env VAR]

Shows the first rows raw and normalized, the inferred column types, and every cell that would be rejected.
Records nothing. The default date order and time zone saved in the data folder's Settings apply
where the spec and the flags say nothing, as they do for a load.

  --limit N     Rows to show (default ${DEFAULT_PREVIEW_LIMIT})
  --json        Print one JSON object: { format, columns, rows }
${DATA_DIR_HELP}

${SOURCE_OPTIONS_HELP}`;

/** `loadstone preview`: reads and normalizes the first rows of a file without loading anything. */
export const previewCommand: CliCommand = async (args, io) => {
  const { values, positionals } = parseCliArgs(
    args,
    { ...SOURCE_OPTIONS, ...DATA_DIR_OPTION, limit: { type: 'string' }, json: { type: 'boolean' } },
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
  const spec = await jobFromOptions(
    positionals[0],
    values,
    io.cwd,
    undefined,
    undefined,
    savedConnectionKind(resolveDataDir({ dataDir: values['data-dir'], env: io.env, cwd: io.cwd })),
  );
  const source = spec.source;
  // A slow API's first pages: how far it has read, on a terminal, until the preview is shown.
  const progress = io.stderr.isTTY && !values.json ? createProgressLine(io.stderr) : null;
  let result: PreviewResultDto;
  try {
    result =
      source.kind === 'postgres' || source.kind === 'mysql'
        ? await previewWithConnections(spec, values['data-dir'], io, limit)
        : await preview(spec, {
            limit,
            signal: io.signal,
            defaults: savedDefaults(values['data-dir'], io),
            source: { env: io.env, ...(progress ? { onRead: (read) => progress.reading(read) } : {}) },
          });
  } finally {
    progress?.done();
  }
  if (values.json) {
    io.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    writeHuman(result, io);
  }
  return EXIT.ok;
};

/**
 * The Settings' defaults of the data folder, read without creating anything: a preview records
 * nothing, so a data folder without a store means nothing was saved (the built-in defaults apply).
 */
function savedDefaults(dataDir: string | undefined, io: CliIo): FormatDefaults {
  const dir = resolveDataDir({ dataDir, env: io.env, cwd: io.cwd });
  if (!existsSync(storeFileIn(dir))) return formatDefaults(null);
  const store = openStore(dir, { secretStore: new NoSecretStore() });
  try {
    return formatDefaults(store.settings.get());
  } finally {
    store.close();
  }
}

/**
 * A preview of a database source: its connection may be a saved one, resolved (password from
 * PGPASSWORD or ~/.pgpass, as for a load from the CLI) by the data folder's store when there is one.
 */
async function previewWithConnections(
  spec: Parameters<typeof preview>[0],
  dataDir: string | undefined,
  io: CliIo,
  limit: number,
): Promise<PreviewResultDto> {
  const dir = resolveDataDir({ dataDir, env: io.env, cwd: io.cwd });
  if (!existsSync(storeFileIn(dir))) {
    return await preview(spec, {
      limit,
      signal: io.signal,
      defaults: formatDefaults(null),
      resolveConnection: (url) => resolveConnection(url, { env: io.env, secretStore: new NoSecretStore() }),
    });
  }
  const store = openStore(dir, { secretStore: new NoSecretStore() });
  try {
    return await preview(spec, {
      limit,
      signal: io.signal,
      defaults: formatDefaults(store.settings.get()),
      resolveConnection: (connection) => store.connections.resolve(connection, { env: io.env }),
      connections: sourceConnections(store, io.env),
    });
  } finally {
    store.close();
  }
}

/** `DMY (Settings)`: a default and where it came from. */
function describeDefault(d: { value: string; from: string }): string {
  const from = d.from === 'job' ? 'job spec or flag' : d.from === 'settings' ? 'Settings' : 'built-in';
  return `${d.value} (${from})`;
}

/** ` DMY from Settings; zone Europe/Berlin from Settings` for date and timestamp columns. */
function dateFormatNote(c: PreviewResultDto['columns'][number]): string {
  if (c.type !== 'date' && c.type !== 'timestamptz') return '';
  const o = c.origins;
  const order = `${c.format.dateOrder}${o ? ` ${ORIGIN_WORDS[o.dateOrder]}` : ''}`;
  if (c.type === 'date') return `, ${order}`;
  return `, ${order}; zone ${c.format.timeZone}${o ? ` ${ORIGIN_WORDS[o.timeZone]}` : ''}`;
}

const ORIGIN_WORDS = {
  column: 'set for the column',
  detected: 'from its values',
  job: 'from the job',
  settings: 'from Settings',
  'built-in': 'built-in',
} as const;

function describeFormat(format: PreviewResultDto['format']): string {
  // A database's rows and an API's records have no encoding or header row of their own to speak of.
  if (format.kind === 'http') return 'http (JSON records)';
  if (format.kind === 'postgres' || format.kind === 'mysql' || format.kind === 'sqlite')
    return `${format.kind} (rows with their columns' types)`;
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
  if (result.requests) {
    out.push('Requests:');
    for (const line of result.requests) out.push(`  ${line}`);
  }
  out.push(`Format: ${describeFormat(result.format)}`);
  out.push(`Sample: ${result.sampleSize} rows read to infer types`);
  if (result.defaults) {
    out.push(
      `Defaults: date order ${describeDefault(result.defaults.dateOrder)}, time zone ${describeDefault(result.defaults.timeZone)}`,
    );
  }
  out.push('');
  out.push(
    renderTable(
      ['column', 'source', 'type', 'nulls', 'not fitting'],
      result.columns.map((c) => [
        c.skip ? `${c.name} (skipped)` : c.name,
        truncateCell(c.source, 30),
        c.type + (c.declared ? ' (declared)' : '') + dateFormatNote(c),
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
  out.push('');
  out.push(
    `Rejected: ${rejectSummary(result.counts.sample, result.counts.shown, result.counts.wholeFile, result.format.kind)}`,
  );
  const rejected = result.rows.filter((r) => r.problem || r.errors.length > 0);
  if (result.moreRejected.length > 0)
    out.push(
      `${formatCount(result.moreRejected.length)} more rejected sampled ${result.moreRejected.length === 1 ? 'row' : 'rows'} beyond the rows shown: --json lists them (moreRejected)`,
    );
  if (rejected.length > 0) {
    for (const row of rejected) {
      const where = placeText(row.line, row.at);
      if (row.problem) out.push(`  ${where}: ${row.problem.reason}: ${row.problem.message}`);
      for (const e of row.errors) out.push(`  ${where}, ${e.column}: ${e.reason}: ${e.message}`);
    }
  }
  const warnings = [
    // What the source said of the data (a MySQL UNION's lost column types), as a load prints it.
    ...(result.sourceWarnings ?? []).map((w) => `  source: ${w.message}`),
    ...result.columns.flatMap((c) => c.warnings.map((w) => `  ${c.name}: ${w}`)),
  ];
  if (warnings.length > 0) {
    out.push('');
    out.push('Warnings:');
    out.push(...warnings);
  }
  io.stdout.write(`${out.join('\n')}\n`);
}
