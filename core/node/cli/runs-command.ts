import { LoadstoneError } from '../../common/errors.ts';
import { rowsOutcome } from '../../common/outcome/run-outcome.ts';
import { type LocalWarehouse, openLocalWarehouse } from '../pg/local-warehouse.ts';
import { type Reconciled, reconcileRun } from '../runs/reconcile.ts';
import { resumeRefusal } from '../runs/resume.ts';
import { resolveDataDir } from '../store/data-dir.ts';
import type { RunStore } from '../store/open-store.ts';
import { redactUrl } from '../store/postgres-url.ts';
import { RUN_STATUSES, type RunRecord, type RunStatus, type RunSummary } from '../store/types.ts';
import { deliveryText } from './alerts-command.ts';
import { intOption, parseCliArgs } from './args.ts';
import { cliWording } from './cli-words.ts';
import { EXIT } from './exit-codes.ts';
import type { CliCommand, CliIo } from './io.ts';
import {
  alignRight,
  cell,
  DATA_DIR_HELP,
  DATA_DIR_OPTION,
  durationText,
  localTime,
  runIdArg,
  terminalSafe,
  withCliStore,
} from './store-command-support.ts';
import { renderTable } from './table.ts';

const USAGE = `Usage: loadstone runs [<runId>] [--limit N] [--status S] [--json] [--data-dir <path>]
       loadstone runs <runId>|last [--target URL] [--json]

Lists recent runs, most recent first, with their status and row counts.
With a run id, shows that run: spec summary, counts, error, events. For an interrupted run that
committed as it went (--commit-every), the counts are first read back from the target's control row
when the target is reachable (else the run store's last commit stands; the output says which).

  --limit N       Runs to list (default 20)
  --status S      Only runs with this status: ${RUN_STATUSES.join(', ')}
  --json          Print one JSON document (an array of runs, or the run)
  --target URL    With a run id: the run's target URL with its password (the store keeps it
                  redacted), to read an interrupted run's control row; else PGPASSWORD/~/.pgpass
${DATA_DIR_HELP}`;

/** `loadstone runs`: recent runs, or one run in detail. */
export const runsCommand: CliCommand = async (args, io) => {
  const { values, positionals } = parseCliArgs(
    args,
    {
      ...DATA_DIR_OPTION,
      limit: { type: 'string' },
      status: { type: 'string' },
      json: { type: 'boolean' },
      target: { type: 'string' },
    },
    USAGE,
  );
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  if (positionals.length > 1) {
    throw new LoadstoneError('BAD_USAGE', `runs takes at most one run id, got ${positionals.length}`);
  }
  const status = values.status;
  if (status !== undefined && !(RUN_STATUSES as readonly string[]).includes(status)) {
    throw new LoadstoneError(
      'BAD_USAGE',
      `--status must be one of ${RUN_STATUSES.join(', ')}, got '${status}'`,
    );
  }
  const limit = intOption(values.limit, 'limit', 1) ?? 20;

  return withCliStore(values['data-dir'], io, async (store) => {
    const given = positionals[0];
    const id = given === undefined ? undefined : runIdArg(store, given);
    if (id !== undefined)
      return showRun(store, id, values.json === true, io, values['data-dir'], values.target);
    if (values.target !== undefined) throw new LoadstoneError('BAD_USAGE', '--target goes with a run id');
    const runs = store.runs.list(status ? { limit, status: status as RunStatus } : { limit });
    if (values.json) {
      io.stdout.write(`${JSON.stringify(runs)}\n`);
    } else if (runs.length === 0) {
      io.stdout.write(`No runs${status ? ` with status ${status}` : ''} recorded in ${store.path}\n`);
    } else {
      io.stdout.write(`${renderRuns(runs)}\n`);
    }
    return EXIT.ok;
  });
};

const HEADER = [
  'run',
  'status',
  'started',
  'took',
  'read',
  'inserted',
  'updated',
  'unchanged',
  'rejected',
  'target',
];

/** The runs list as aligned columns (counts right-aligned). */
export function renderRuns(runs: readonly RunSummary[]): string {
  const rows = runs.map((r) => [
    r.id,
    r.status + (r.dryRun ? ' (dry run)' : ''),
    localTime(r.startedAt),
    durationText(r.durationMs),
    String(r.counts.read),
    String(r.counts.inserted),
    String(r.counts.updated),
    String(r.counts.unchanged),
    String(r.counts.rejected),
    cell(targetOf(r), 60),
  ]);
  return renderTable(HEADER, alignRight(rows, [4, 5, 6, 7, 8], HEADER));
}

function targetOf(r: RunSummary): string {
  return `${r.table || '(no table)'} @ ${r.target}`;
}

async function showRun(
  store: RunStore,
  id: string,
  json: boolean,
  io: CliIo,
  dataDirFlag: string | undefined,
  target: string | undefined,
): Promise<number> {
  const found = store.runs.get(id);
  if (!found) {
    io.stderr.write(`loadstone: no run '${id}' in ${store.path} (see 'loadstone runs')\n`);
    return EXIT.usage;
  }
  let reconciled: Reconciled | null = null;
  if (found.status === 'interrupted') {
    let warehouse: LocalWarehouse | null = null;
    try {
      if (target !== undefined && redactUrl(target) !== found.target) {
        throw new LoadstoneError(
          'BAD_USAGE',
          `--target must be the run's own target (${found.target}) with its password`,
        );
      }
      reconciled = await reconcileRun(store, found, {
        env: io.env,
        connection: target,
        openWarehouse: async () => {
          warehouse ??= await openLocalWarehouse(
            resolveDataDir({ dataDir: dataDirFlag, env: io.env, cwd: io.cwd }),
          );
          return warehouse;
        },
      });
    } finally {
      await (warehouse as LocalWarehouse | null)?.stop();
    }
  }
  const run = store.runs.get(id) as RunRecord;
  const events = store.runs.events(id);
  const alerts = store.alerts.deliveriesOfRun(id).map(({ id: _id, runId: _run, ...d }) => d);
  if (json) {
    io.stdout.write(`${JSON.stringify({ ...run, events, alerts, ...(reconciled ? { reconciled } : {}) })}
`);
    return EXIT.ok;
  }
  io.stdout.write(`${renderRun(run, reconciled)}\n`);
  if (events.length > 0) {
    io.stdout.write(
      `\nEvents:\n${events.map((e) => `  ${localTime(e.at)}  ${e.kind}${e.message ? `  ${terminalSafe(e.message)}` : ''}`).join('\n')}\n`,
    );
  }
  if (alerts.length > 0) {
    const lines = alerts.map(
      (d) =>
        `  ${localTime(d.updatedAt)}  ${d.event} → ${d.channel} (${d.kind}): ${terminalSafe(deliveryText(d))}`,
    );
    io.stdout.write(`\nAlerts:\n${lines.join('\n')}\n`);
  }
  if (run.counts.rejected > 0) {
    io.stdout.write(
      `\nRejected rows: loadstone errors ${run.id} (--summary, --export errors.csv)\n` +
        `Fix and reload: loadstone errors ${run.id} --export fix.csv --for-fixing, edit, then ` +
        `loadstone load --reload-of ${run.id} fix.csv\n`,
    );
  }
  return EXIT.ok;
}

function renderRun(run: RunRecord, reconciled: Reconciled | null): string {
  const c = run.counts;
  const lines: Array<[string, string]> = [
    ['Run', run.id],
    ['Status', run.status + (run.dryRun ? ' (dry run)' : '') + (run.phase ? `, ${run.phase}` : '')],
    ['Job', run.jobName ?? '-'],
    ['Source', terminalSafe(run.source)],
    ['Target', `${terminalSafe(targetOf(run))} (${run.mode})`],
    ['Started', localTime(run.startedAt)],
    ['Ended', run.endedAt ? `${localTime(run.endedAt)} (took ${durationText(run.durationMs)})` : '-'],
    [
      'Rows',
      `read ${c.read}, inserted ${c.inserted}, updated ${c.updated}, unchanged ${c.unchanged}, ` +
        `skipped ${c.skipped}, superseded ${c.superseded}, rejected ${c.rejected}`,
    ],
  ];
  if (run.status !== 'running') lines.push(['', rowsOutcome(run)]);
  if (run.reloadOf) lines.push(['Reload of', `${run.reloadOf} (its fixed rejected rows)`]);
  if (run.reloadedBy.length > 0) lines.push(['Reloaded by', run.reloadedBy.join(', ')]);
  const committed = run.resume.committed;
  if (committed && run.status !== 'succeeded') {
    const where =
      committed.records === null
        ? ''
        : ` through source record ${committed.records} (line ${committed.line ?? '-'})`;
    // Every row the committed part applied: an upsert's unchanged rows are in the table too.
    const k = committed.counts;
    lines.push([
      'Committed',
      `inserted ${k.inserted}, updated ${k.updated}, unchanged ${k.unchanged}${where}`,
    ]);
  }
  if (reconciled) lines.push(['Counts', countsOriginText(reconciled)]);
  if (run.resume.resumeOf) lines.push(['Resumes', run.resume.resumeOf]);
  if (run.resume.resumedBy.length > 0) lines.push(['Resumed by', run.resume.resumedBy.join(', ')]);
  else if (run.status === 'interrupted' || run.status === 'failed' || run.status === 'cancelled') {
    // Offered only where `load --resume` would take it; otherwise why not, as it would say.
    const refusal = resumeRefusal(run);
    lines.push([
      'Resume',
      refusal === null ? `loadstone load --resume ${run.id}` : `not possible: ${refusal}`,
    ]);
  }
  if (run.mode === 'incremental') lines.push(['Watermark', watermarkText(run)]);
  if (run.error)
    lines.push(['Error', terminalSafe(cliWording(run.error)) + (run.errorCode ? ` (${run.errorCode})` : '')]);
  return lines.map(([k, v]) => `${k.padEnd(k.length > 8 ? k.length + 1 : 8)}${v}`).join('\n');
}

function countsOriginText(r: Reconciled): string {
  if (r.origin === 'target') return "from the target's control row (what its transactions committed)";
  if (r.origin === 'none') return 'the load commits only at its end: nothing of it was committed';
  return `from the run store's last recorded commit (${r.reason ?? 'the target was not read'})`;
}

/** Before → after, or why it did not move. */
function watermarkText(run: RunRecord): string {
  const { before, after } = run.watermark;
  const from = `${before ?? '(none)'}`;
  if (run.status === 'running') return `${from} (running)`;
  if (run.status !== 'succeeded') return `${from}, unchanged (the mark moves only when a run succeeds)`;
  if (after === null || after === before) return `${from}, unchanged (no row above it)`;
  return `${from} → ${after}${run.dryRun ? ' (would be stored; a dry run stores nothing)' : ''}`;
}
