import { resolve } from 'node:path';
import type { LoadProgressDto } from '../../common/contract/shared-schemas.ts';
import { LoadstoneError } from '../../common/errors.ts';
import { rowsOutcome } from '../../common/outcome/run-outcome.ts';
import { countOf } from '../../common/outcome/words.ts';
import { DUPLICATE_KEYS, type JobSpec, LOAD_MODES } from '../../common/spec/job-spec.ts';
import { type LocalWarehouse, openLocalWarehouse } from '../pg/local-warehouse.ts';
import { reloadJob } from '../runs/reload-job.ts';
import { resumeLoad } from '../runs/resume.ts';
import { type RunLoadOutcome, runLoad } from '../runs/run-load.ts';
import { resolveDataDir } from '../store/data-dir.ts';
import type { RunTrigger } from '../store/index.ts';
import { openStore, type RunStore } from '../store/open-store.ts';
import { NoSecretStore } from '../store/secret-store.ts';
import { alertWaitMs, checkAlertChannels, deliverAlerts } from './alerts-command.ts';
import { choiceOption, intOption, numberOption, parseCliArgs } from './args.ts';
import { cliWording } from './cli-words.ts';
import { savedConnectionKind } from './database-source-args.ts';
import { EXIT, exitCodeFor } from './exit-codes.ts';
import type { CliCommand, CliIo } from './io.ts';
import {
  ALERT_OPTIONS,
  ALERT_OPTIONS_HELP,
  alertFlags,
  jobFromOptions,
  type LoadFlags,
  SOURCE_OPTIONS,
  SOURCE_OPTIONS_HELP,
} from './job-options.ts';
import { loadInterruption } from './load-interruption.ts';
import { createProgressLine } from './progress-line.ts';
import { DATA_DIR_HELP, DATA_DIR_OPTION } from './store-command-support.ts';

/** Exit codes of a load, as `load --help` and `jobs run --help` print them. */
export const LOAD_EXIT_HELP = `Exit codes: 0 loaded (rejected rows within the threshold), 2 bad usage or unreadable input,
3 aborted by the error threshold (rolled back), 4 cannot connect or target incompatible, 130 cancelled.`;

const USAGE = `Usage: loadstone load <file | sqlite-file | database-url> --table [schema.]name [options]
       loadstone load --resume <runId> [--target URL] [--json]

Loads a file into PostgreSQL: every cell normalized, every rejected row recorded with its line,
column and reason (see 'loadstone errors <runId>').

Target options:
  --target URL|NAME|local     postgres:// URL, a saved connection name, or 'local' (default):
                              the embedded warehouse in the data folder
  --table [schema.]name       Target table (created from the columns when missing)
  --mode append|replace|upsert|incremental   (default append)
  --key a,b                   Key columns (target names) for upsert and incremental
  --watermark COL             Watermark column for incremental loads
  --duplicate-keys last|reject  Two rows with one key in a load: the last wins (default), or both are rejected
  --add-missing-columns       Add source columns missing from an existing table
  --truncate                  Append only: empty the table first, inside the load's transaction
                              (a load that fails keeps the old rows); not with --commit-every
  --name NAME                 Job name (incremental watermarks are kept per job and table)
  --reload-of RUN_ID          Load a fixed export for fixing of that run ('errors --for-fixing')
                              through the run's own job: its source dialect, columns, types,
                              formats and target; replace loads append and incremental loads
                              upsert on their key, so the fixed rows add to what the run loaded.
                              Only --target (the same URL again, when its password was not
                              kept), --dry-run, --json, --max-error-rate, --max-errors and
                              --data-dir may be given with it
  --dry-run                   Run the whole load in a transaction that is rolled back; print the plan
  --max-error-rate R          Abort and roll back above this share of rejected rows (default 0.05)
  --max-errors N              Abort and roll back above N rejected rows (default: unlimited)
  --commit-every N            Commit every N rows instead of once at the end; the target keeps a
                              control row of what is committed (see --resume)
  --resume RUNID              Continue an interrupted (failed, cancelled) run from its last commit,
                              with its own spec, as a new run; refused if the source file changed.
                              Only --target (the run's URL with its password), --json, --data-dir
  --json                      Print one JSON object with the outcome
${DATA_DIR_HELP}

${ALERT_OPTIONS_HELP}

${SOURCE_OPTIONS_HELP}

${LOAD_EXIT_HELP}`;

/** `load`'s target and settings flags (`jobs run` takes them too, to override a saved job). */
export const TARGET_OPTIONS = {
  target: { type: 'string' },
  table: { type: 'string' },
  mode: { type: 'string' },
  key: { type: 'string' },
  watermark: { type: 'string' },
  'duplicate-keys': { type: 'string' },
  'add-missing-columns': { type: 'boolean' },
  truncate: { type: 'boolean' },
  name: { type: 'string' },
  'dry-run': { type: 'boolean' },
  'max-error-rate': { type: 'string' },
  'max-errors': { type: 'string' },
  'commit-every': { type: 'string' },
  resume: { type: 'string' },
  json: { type: 'boolean' },
  'reload-of': { type: 'string' },
} as const;

/** The options `--reload-of` takes besides the file: everything else comes from the original run. */
const RELOAD_OPTIONS = new Set([
  'reload-of',
  'target',
  'dry-run',
  'json',
  'max-error-rate',
  'max-errors',
  'data-dir',
  'help',
]);
/** The flags `--resume` takes: everything else would change what the run loads. */
const RESUME_FLAGS = new Set(['resume', 'target', 'json', 'data-dir', 'help']);

/** `loadstone load`: one load, recorded as a run. */
export const loadCommand: CliCommand = async (args, io) => {
  const { values, positionals } = parseCliArgs(
    args,
    { ...SOURCE_OPTIONS, ...TARGET_OPTIONS, ...ALERT_OPTIONS, ...DATA_DIR_OPTION },
    USAGE,
  );
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  if (values.resume !== undefined) return resumeCommand(values, positionals, io);
  if (positionals.length > 1) {
    io.stderr.write(
      `loadstone: load takes one file, got ${positionals.length} (see 'loadstone load --help')\n`,
    );
    return EXIT.usage;
  }
  const flags = loadFlagsFrom(values);
  const reloadOf = values['reload-of'];
  if (reloadOf !== undefined) {
    const extra = Object.keys(values).filter((k) => !RELOAD_OPTIONS.has(k));
    if (extra.length > 0) {
      throw new LoadstoneError(
        'BAD_USAGE',
        `--reload-of takes the original run's source, columns and target: ${extra.map((k) => `--${k}`).join(', ')} cannot be given with it`,
      );
    }
    if (positionals[0] === undefined) {
      throw new LoadstoneError(
        'BAD_USAGE',
        '--reload-of needs the fixed file: loadstone load --reload-of <runId> <file>',
      );
    }
  }
  const dataDir = resolveDataDir({ dataDir: values['data-dir'], env: io.env, cwd: io.cwd });
  const spec =
    reloadOf === undefined
      ? await jobFromOptions(
          positionals[0],
          values,
          io.cwd,
          { ...flags, alerts: alertFlags(values) },
          undefined,
          savedConnectionKind(dataDir),
        )
      : null;
  const store = openStore(dataDir, { secretStore: new NoSecretStore() });
  try {
    if (spec) return await runAndReport(spec, values, io, { dataDir, store });
    const original = resolveRunId(store, reloadOf!);
    const job = withSettings(
      reloadJob(store, original, resolve(io.cwd, positionals[0]!), values.target),
      flags.settings,
    );
    return await runAndReport(job, values, io, { dataDir, store, reloadOf: original });
  } finally {
    store.close();
  }
};

/** The values of `TARGET_OPTIONS` a load's flags come from. */
export type LoadValues = {
  [K in keyof typeof TARGET_OPTIONS]?: (typeof TARGET_OPTIONS)[K]['type'] extends 'boolean'
    ? boolean
    : string;
};

/**
 * What the target and settings flags of `load` (also `jobs run`) add to a spec.
 * @throws LoadstoneError BAD_USAGE naming a flag out of its choices or range.
 */
export function loadFlagsFrom(values: LoadValues): LoadFlags {
  const target: LoadFlags['target'] = {};
  if (values.target) target.connection = values.target;
  if (values.table) target.table = values.table;
  if (values.mode) target.mode = choiceOption(values.mode, 'mode', LOAD_MODES);
  if (values.key) target.key = values.key.split(',').map((k) => k.trim());
  if (values.watermark) target.watermark = values.watermark;
  if (values['duplicate-keys'])
    target.duplicateKeys = choiceOption(values['duplicate-keys'], 'duplicate-keys', DUPLICATE_KEYS);
  if (values['add-missing-columns']) target.addMissingColumns = true;
  if (values.truncate) target.truncate = true;
  const settings: LoadFlags['settings'] = {};
  const maxErrorRate = numberOption(values['max-error-rate'], 'max-error-rate', 0, 1);
  const maxErrors = intOption(values['max-errors'], 'max-errors');
  const commitEvery = intOption(values['commit-every'], 'commit-every', 1);
  if (maxErrorRate !== undefined) settings.maxErrorRate = maxErrorRate;
  if (maxErrors !== undefined) settings.maxErrors = maxErrors;
  if (commitEvery !== undefined) settings.commitEvery = commitEvery;
  return { target, settings, name: values.name };
}

/** Where a load runs: the data folder and its open store (the caller closes it). */
export interface LoadPlace {
  readonly dataDir: string;
  readonly store: RunStore;
  /** What started the run (default `manual`). */
  readonly trigger?: RunTrigger;
  /** The run whose fixed rejected rows this load reloads (`--reload-of`). */
  readonly reloadOf?: string;
}

/**
 * Runs a load recorded as a run and reports it as `load` does (a summary, or one JSON object with
 * --json), returning `load`'s exit code. `load` and `jobs run` both end here.
 */
export async function runAndReport(
  spec: JobSpec,
  values: Pick<LoadValues, 'json' | 'dry-run'>,
  io: CliIo,
  place: LoadPlace,
): Promise<number> {
  const { dataDir, store } = place;
  let warehouse: LocalWarehouse | null = null;
  const progress = io.stderr.isTTY && !values.json ? createProgressLine(io.stderr) : null;
  const dryRun = values['dry-run'] ?? false;
  const interruption = loadInterruption({
    store,
    ...(spec.target ? { table: spec.target.table } : {}),
    commitEvery: !dryRun && spec.target?.mode !== 'replace' && spec.settings.commitEvery !== undefined,
  });
  const interrupted = io.interrupts?.during(interruption);
  try {
    checkAlertChannels(store, spec.alerts?.channels ?? []);
    const outcome = await runLoad(spec, {
      store,
      onRunCreated: interruption.onRunCreated,
      ...(place.reloadOf !== undefined ? { reloadOf: place.reloadOf } : {}),
      env: io.env,
      dryRun,
      signal: io.signal,
      ...(place.trigger ? { trigger: place.trigger } : {}),
      openWarehouse: async () => {
        if (io.stderr.isTTY && !values.json) io.stderr.write('Starting the local warehouse…\n');
        warehouse = await openLocalWarehouse(dataDir);
        return warehouse;
      },
      onProgress: (p: LoadProgressDto) => progress?.update(p),
      // An API's sample, read before the run begins.
      onSourceRead: (read) => progress?.reading(read),
      // A source's retries and waits, as they happen (they are recorded with the run too).
      onSourceEvent: (event) => {
        io.stderr.write(`source: ${event.message}\n`);
      },
    });
    // Once the run has ended, a Ctrl-C only stops the wait for alerts.
    interrupted?.();
    progress?.done();
    if (values.json) {
      // The plan's column warnings (an ambiguous date order read with a default…), [] when none.
      const { warnings } = planWords(store, outcome.runId);
      io.stdout.write(`${JSON.stringify({ ...jsonOutcome(outcome), warnings })}\n`);
    } else {
      writeSummary(outcome, io, planWords(store, outcome.runId));
      // The reason on stderr too, as for any command that fails (the summary above is the record).
      if (outcome.status === 'failed' && outcome.error)
        io.stderr.write(`loadstone: ${cliWording(outcome.error.message)}\n`);
    }
    // After the outcome is printed: alerts never delay or change it (see deliverAlerts).
    await deliverAlerts(store, outcome.runId, io, alertWaitMs(io.env), !values.json);
    return exitCode(outcome);
  } finally {
    interrupted?.();
    progress?.done();
    await (warehouse as LocalWarehouse | null)?.stop();
  }
}

/** `last` is the most recent run; any other id is taken as it is. */
function resolveRunId(store: RunStore, id: string): string {
  return id === 'last' ? (store.runs.list({ limit: 1 })[0]?.id ?? id) : id;
}

/** The reload's job with the thresholds given on the command line over the original's. */
function withSettings(spec: JobSpec, settings: LoadFlags['settings']): JobSpec {
  return { ...spec, settings: { ...spec.settings, ...settings } };
}

/** `loadstone load --resume <runId>`. */
async function resumeCommand(
  values: { readonly [k: string]: unknown; readonly resume?: string; readonly target?: string },
  positionals: readonly string[],
  io: CliIo,
): Promise<number> {
  const runId = values.resume ?? '';
  if (positionals.length > 0) {
    throw new LoadstoneError(
      'BAD_USAGE',
      `--resume reads the run's own source file; do not give a file (got ${positionals.join(' ')})`,
    );
  }
  const extra = Object.keys(values).filter((k) => values[k] !== undefined && !RESUME_FLAGS.has(k));
  if (extra.length > 0) {
    throw new LoadstoneError(
      'BAD_USAGE',
      `--resume runs the interrupted run's own spec: ${extra.map((k) => `--${k}`).join(', ')} cannot be given with it`,
    );
  }
  const json = values.json === true;
  const dataDir = resolveDataDir({
    dataDir: values['data-dir'] as string | undefined,
    env: io.env,
    cwd: io.cwd,
  });
  const store = openStore(dataDir, { secretStore: new NoSecretStore() });
  let warehouse: LocalWarehouse | null = null;
  const progress = io.stderr.isTTY && !json ? createProgressLine(io.stderr) : null;
  const interruption = loadInterruption({ store });
  const interrupted = io.interrupts?.during(interruption);
  try {
    const outcome = await resumeLoad(runId, {
      store,
      onRunCreated: interruption.onRunCreated,
      env: io.env,
      signal: io.signal,
      connection: values.target,
      openWarehouse: async () => {
        if (warehouse) return warehouse;
        if (io.stderr.isTTY && !json) io.stderr.write('Starting the local warehouse…\n');
        warehouse = await openLocalWarehouse(dataDir);
        return warehouse;
      },
      onProgress: (p: LoadProgressDto) => progress?.update(p),
    });
    interrupted?.();
    progress?.done();
    if (json) {
      io.stdout.write(
        `${JSON.stringify({ ...jsonOutcome(outcome), resumeOf: outcome.resumeOf, skippedRecords: outcome.skippedRecords, reconciled: outcome.reconciled })}\n`,
      );
    } else {
      io.stdout.write(
        `Resuming run ${outcome.resumeOf}: skipped its ${outcome.skippedRecords.toLocaleString('en-US')} committed source records.\n`,
      );
      writeSummary(outcome, io, planWords(store, outcome.runId));
    }
    // After the outcome is printed: alerts never delay or change it (see deliverAlerts).
    await deliverAlerts(store, outcome.runId, io, alertWaitMs(io.env), !json);
    return exitCode(outcome);
  } finally {
    interrupted?.();
    progress?.done();
    store.close();
    await (warehouse as LocalWarehouse | null)?.stop();
  }
}

function jsonOutcome(o: RunLoadOutcome) {
  return {
    runId: o.runId,
    status: o.status,
    mode: o.mode,
    dryRun: o.dryRun,
    target: o.target,
    table: o.table,
    rowsRead: o.counts.read,
    inserted: o.counts.inserted,
    updated: o.counts.updated,
    unchanged: o.counts.unchanged,
    rejected: o.counts.rejected,
    durationMs: o.durationMs,
    skipped: o.counts.skipped,
    superseded: o.counts.superseded,
    watermarkBefore: o.watermark.before,
    watermarkAfter: o.watermark.after,
    truncated: o.result?.truncated ?? false,
    ...(o.reloadOf ? { reloadOf: o.reloadOf } : {}),
    ...(o.error ? { error: o.error } : {}),
  };
}

function exitCode(o: RunLoadOutcome): number {
  if (o.status === 'succeeded') return EXIT.ok;
  if (o.status === 'cancelled') return EXIT.cancelled;
  return o.error ? exitCodeFor(o.error.code) : EXIT.failure;
}

/**
 * What the run said of its plan: the columns the existing table typed (its `typed_by_target` event)
 * and the column warnings (`column_warning`: an ambiguous date order read with a default…).
 */
function planWords(store: RunStore, runId: string): { typed?: string; warnings: string[] } {
  const events = store.runs.events(runId);
  const typed = events.find((e) => e.kind === 'typed_by_target')?.message ?? undefined;
  const warnings = events.filter((e) => e.kind === 'column_warning').map((e) => e.message ?? '');
  return { ...(typed ? { typed } : {}), warnings };
}

/** Column warnings printed in a load's summary; the rest are in `loadstone runs <id>`'s events. */
const SUMMARY_WARNINGS = 10;

function writeSummary(o: RunLoadOutcome, io: CliIo, words: { typed?: string; warnings: string[] }): void {
  const { typed, warnings } = words;
  const n = (x: number) => x.toLocaleString('en-US');
  const seconds = o.durationMs / 1000;
  const rate = seconds > 0 ? Math.round(o.counts.read / seconds) : o.counts.read;
  const verb = o.dryRun ? 'would be' : '';
  const keyed = o.mode === 'upsert' || o.mode === 'incremental';
  const lines: string[] = [];
  const head =
    o.status === 'succeeded'
      ? o.dryRun
        ? `Dry run of ${o.mode} into ${o.table} on ${o.target}: nothing was changed. The plan:`
        : `Loaded ${o.table} on ${o.target} (${o.mode}).`
      : `Run ${o.status}: ${cliWording(o.error?.message ?? '')}`;
  lines.push(head);
  lines.push(`  rows read   ${n(o.counts.read)}`);
  lines.push(`  inserted    ${n(o.counts.inserted)} ${verb}`.trimEnd());
  if (keyed) {
    lines.push(`  updated     ${n(o.counts.updated)} ${verb}`.trimEnd());
    lines.push(`  unchanged   ${n(o.counts.unchanged)}`);
    lines.push(`  superseded  ${n(o.counts.superseded)}  (a later row with the same key replaced them)`);
  }
  if (o.mode === 'incremental') {
    lines.push(`  skipped     ${n(o.counts.skipped)}  (below the watermark)`);
  }
  lines.push(`  rejected    ${n(o.counts.rejected)}`);
  if (o.mode === 'incremental') lines.push(`  watermark   ${watermarkText(o)}`);
  lines.push(`  took        ${seconds.toFixed(1)} s (${n(rate)} rows/s)`);
  lines.push(`  run         ${o.runId}`);
  if (o.reloadOf) lines.push(`  reload of   ${o.reloadOf} (its fixed rejected rows)`);
  if (o.result?.truncated)
    lines.push(`  the table was emptied first (--truncate)${o.dryRun ? ', in the dry run only' : ''}`);
  if (o.result && o.result.addedColumns.length > 0)
    lines.push(`  added columns: ${o.result.addedColumns.join(', ')}`);
  if (typed) lines.push(`  ${typed}`);
  if (warnings.length > 0) {
    lines.push('');
    lines.push("Warnings (the preview shows them too; set the column's format in the job to settle them):");
    for (const w of warnings.slice(0, SUMMARY_WARNINGS)) lines.push(`  ${w}`);
    if (warnings.length > SUMMARY_WARNINGS)
      lines.push(`  … ${warnings.length - SUMMARY_WARNINGS} more: npx loadstone runs ${o.runId}`);
  }
  lines.push('');
  lines.push(rowsOutcome({ status: o.status, dryRun: o.dryRun, counts: o.counts }));
  if (o.dryRun && o.status === 'succeeded') {
    // A dry run reads the whole file: this is the expected count for the real load, not a sample's.
    lines.push(
      `The whole file was read: a load would reject ${countOf(o.counts.rejected, 'row')} of ${countOf(o.counts.read, 'row')}.`,
    );
  }
  if (o.counts.rejected > 0) {
    lines.push('');
    lines.push(
      `See the ${countOf(o.counts.rejected, 'rejected row')}: npx loadstone errors ${o.runId}   (export: --export errors.csv)`,
    );
  }
  io.stdout.write(`${lines.join('\n')}\n`);
}

/** `2024-01-03 00:00:00+00 → 2024-01-05 00:00:00+00`, or what the run started from and why it stays. */
function watermarkText(o: RunLoadOutcome): string {
  const { before, after } = o.watermark;
  const from = before ?? '(none: every row was a candidate)';
  if (o.status !== 'succeeded') return `${from} (unchanged: the mark moves only when a run succeeds)`;
  if (after === null || after === before) return `${from} (unchanged: no row above it)`;
  return `${from} → ${after}${o.dryRun ? ' (would be stored)' : ''}`;
}
