import path from 'node:path';
import { LoadstoneError } from '../../common/errors.ts';
import { stringifyExact } from '../../common/exact-json.ts';
import type { RejectStage } from '../../common/types.ts';
import { placeText } from '../../common/types.ts';
import { exportReport, reportFormatFromPath } from '../store/export.ts';
import { exportForFixing } from '../store/export-fixing.ts';
import type { RunStore } from '../store/open-store.ts';
import type { ReportFilter, RunRecord, StoredRejectedRow } from '../store/types.ts';
import { intOption, parseCliArgs } from './args.ts';
import { EXIT } from './exit-codes.ts';
import type { CliCommand, CliIo } from './io.ts';
import {
  alignRight,
  cell,
  DATA_DIR_HELP,
  DATA_DIR_OPTION,
  runIdArg,
  withCliStore,
} from './store-command-support.ts';
import { renderTable } from './table.ts';

const STAGES: readonly RejectStage[] = ['parse', 'normalize', 'load'];

const USAGE = `Usage: loadstone errors <runId|last> [--summary] [--json] [--export <file>] [filters]

Shows the rows a run rejected: line, stage, column, reason, value and message.

  --summary          Counts by reason and column, each with an example value (of the errors
                     the filters below select)
  --export <file>    Write every matching rejected row to a .csv, .json or .ndjson/.jsonl file.
                     CSV: the original columns plus line, stage, column, reason, message; fix it in
                     a spreadsheet and load it again (cells that look like formulas get a leading ')
  --for-fixing       With --export: write the rows in the source's own dialect (encoding, delimiter,
                     quote, BOM) with only its columns plus a trailing loadstone_error column; edit
                     the cells, then 'loadstone load --reload-of <runId> <file>' (XLSX, JSON and
                     NDJSON sources are written as UTF-8 CSV)
  --bom              With a .csv export: begin with a UTF-8 byte-order mark (Excel on Windows);
                     with --for-fixing: a byte-order mark of the source's encoding
  --stage <stage>    Only rows rejected at this stage: ${STAGES.join(', ')}
  --column <name>    Only rows with an error in this column
  --reason <code>    Only rows with this reason (e.g. invalid_date)
  --grep <text>      Only rows whose raw values (any column), messages or source text contain
                     the text, in any case; % and _ are plain characters
  --limit N          Rows to show (default 50)
  --offset N         Rows to skip first
  --json             Print one JSON document
${DATA_DIR_HELP}`;

/** `loadstone errors <runId>`: a run's rejected rows, their summary, or an export. */
export const errorsCommand: CliCommand = async (args, io) => {
  const { values, positionals } = parseCliArgs(
    args,
    {
      ...DATA_DIR_OPTION,
      summary: { type: 'boolean' },
      json: { type: 'boolean' },
      export: { type: 'string' },
      bom: { type: 'boolean' },
      'for-fixing': { type: 'boolean' },
      stage: { type: 'string' },
      column: { type: 'string' },
      reason: { type: 'string' },
      grep: { type: 'string' },
      limit: { type: 'string' },
      offset: { type: 'string' },
    },
    USAGE,
  );
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  const runId = positionals[0];
  if (runId === undefined || positionals.length > 1) {
    throw new LoadstoneError('BAD_USAGE', "errors takes one run id (see 'loadstone runs')");
  }
  if (values.stage !== undefined && !(STAGES as readonly string[]).includes(values.stage)) {
    throw new LoadstoneError(
      'BAD_USAGE',
      `--stage must be one of ${STAGES.join(', ')}, got '${values.stage}'`,
    );
  }
  if (values.summary && values.export !== undefined) {
    throw new LoadstoneError('BAD_USAGE', '--summary and --export cannot be combined');
  }
  if (values['for-fixing'] && values.export === undefined) {
    throw new LoadstoneError('BAD_USAGE', '--for-fixing needs --export <file> (the file to write)');
  }
  const filter: ReportFilter = {};
  if (values.stage !== undefined) filter.stage = values.stage as RejectStage;
  if (values.column !== undefined) filter.column = values.column;
  if (values.reason !== undefined) filter.reason = values.reason;
  if (values.grep !== undefined && values.grep !== '') filter.text = values.grep;
  const limit = intOption(values.limit, 'limit', 1) ?? 50;
  const offset = intOption(values.offset, 'offset', 0) ?? 0;
  const format =
    values.export === undefined || values['for-fixing'] ? undefined : reportFormatFromPath(values.export);

  return withCliStore(values['data-dir'], io, async (store) => {
    // `last` is the most recent run, so a load can be followed by `loadstone errors last`.
    const run = store.runs.get(runIdArg(store, runId));
    if (!run) {
      io.stderr.write(`loadstone: no run '${runId}' in ${store.path} (see 'loadstone runs')\n`);
      return EXIT.usage;
    }
    if (values.export !== undefined && values['for-fixing']) {
      const result = await exportForFixing(store, run.id, path.resolve(io.cwd, values.export), {
        filter,
        bom: values.bom === true,
        signal: io.signal,
      });
      const d = result.dialect;
      io.stdout.write(
        values.json
          ? `${JSON.stringify({ runId: run.id, format: 'fixing', path: result.path, rows: result.rows, dialect: d })}\n`
          : `Wrote ${result.rows} rejected row${result.rows === 1 ? '' : 's'} for fixing to ${values.export} ` +
              `(${d.encoding}${d.bom ? ' with BOM' : ''}, delimiter ${JSON.stringify(d.delimiter)}).\n` +
              `Fix the cells, then: loadstone load --reload-of ${run.id} ${values.export}\n`,
      );
      return EXIT.ok;
    }
    if (values.export !== undefined && format !== undefined) {
      const file = path.resolve(io.cwd, values.export);
      const result = await exportReport(store, run.id, format, file, {
        filter,
        bom: values.bom === true,
        signal: io.signal,
      });
      io.stdout.write(
        values.json
          ? `${JSON.stringify({ runId: run.id, format, path: result.path, rows: result.rows })}\n`
          : `Wrote ${result.rows} rejected row${result.rows === 1 ? '' : 's'} to ${values.export}\n`,
      );
      return EXIT.ok;
    }
    if (values.summary) return summary(store, run, filter, values.json === true, io);
    return page(store, run, filter, offset, limit, values.json === true, io);
  });
};

function summary(store: RunStore, run: RunRecord, filter: ReportFilter, json: boolean, io: CliIo): number {
  const items = store.reports.summary(run.id, filter);
  const total = store.reports.count(run.id, filter);
  if (json) {
    io.stdout.write(`${JSON.stringify({ runId: run.id, status: run.status, total, items })}\n`);
    return EXIT.ok;
  }
  io.stdout.write(`${heading(run, total, isFiltered(filter))}\n`);
  if (items.length === 0) return EXIT.ok;
  const header = ['count', 'reason', 'column', 'stage', 'example'];
  const rows = items.map((i) => [
    String(i.count),
    i.reason,
    i.column === null ? '(row)' : cell(i.column, 30),
    i.stage,
    i.example === null ? '' : cell(i.example, 40),
  ]);
  io.stdout.write(`\n${renderTable(header, alignRight(rows, [0], header))}\n`);
  return EXIT.ok;
}

function page(
  store: RunStore,
  run: RunRecord,
  filter: ReportFilter,
  offset: number,
  limit: number,
  json: boolean,
  io: CliIo,
): number {
  const result = store.reports.page(run.id, { ...filter, offset, limit });
  if (json) {
    // The rows' raw values as the JSON export writes them: `1.10` and 20-digit ids as exact numbers.
    io.stdout.write(`${stringifyExact({ runId: run.id, status: run.status, offset, limit, ...result })}\n`);
    return EXIT.ok;
  }
  io.stdout.write(`${heading(run, result.total, isFiltered(filter))}\n`);
  if (result.rows.length > 0) {
    const header = ['line', 'stage', 'column', 'reason', 'value', 'message'];
    const rows = result.rows.flatMap((r) => errorLines(r));
    io.stdout.write(`\n${renderTable(header, alignRight(rows, [0], header))}\n`);
  }
  const shownTo = offset + result.rows.length;
  if (shownTo < result.total) {
    io.stdout.write(
      `\nShowing rows ${offset + 1}–${shownTo} of ${result.total}. More: --offset ${shownTo}; ` +
        `all of them: --export errors.csv; by reason: --summary\n`,
    );
  }
  return EXIT.ok;
}

function isFiltered(filter: ReportFilter): boolean {
  return (
    filter.stage !== undefined ||
    filter.column !== undefined ||
    filter.reason !== undefined ||
    filter.text !== undefined
  );
}

/** One table line per error of a rejected row (a row-level problem shows its source text). */
function errorLines(row: StoredRejectedRow): string[][] {
  const errors =
    row.errors.length > 0 ? row.errors : [{ column: null, value: null, reason: '', message: '' }];
  return errors.map((e) => [
    placeText(row.line, row.at).replace(/^line /, ''),
    row.stage,
    e.column === null ? '(row)' : cell(e.column, 24),
    e.reason,
    cell(e.value ?? row.rawText ?? '', 30),
    cell(e.message, 70),
  ]);
}

function heading(run: RunRecord, total: number, filtered: boolean): string {
  const what = `${total} rejected row${total === 1 ? '' : 's'}${filtered ? ' matching' : ''}`;
  return `Run ${run.id} (${run.status}${run.dryRun ? ', dry run' : ''}): ${what}`;
}
