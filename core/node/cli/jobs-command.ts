import { LoadstoneError } from '../../common/errors.ts';
import { nextRunTime } from '../../common/spec/schedule.ts';
import type { RunStore } from '../store/open-store.ts';
import { parseCliArgs } from './args.ts';
import { EXIT } from './exit-codes.ts';
import type { CliCommand, CliIo } from './io.ts';
import { SOURCE_OPTIONS_HELP } from './job-options.ts';
import { JOB_RUN_OPTIONS, runJobCommand } from './jobs-run.ts';
import { exportJob, importJob, portableSpec } from './jobs-transfer.ts';
import { LOAD_EXIT_HELP } from './load-command.ts';
import { cell, DATA_DIR_HELP, DATA_DIR_OPTION, localTime, withCliStore } from './store-command-support.ts';
import { renderTable } from './table.ts';

const USAGE = `Usage: loadstone jobs <list|show|run|export|import|pause|resume|remove> …

Saved jobs: the same jobs the desktop app saves and runs.

  jobs list [--json]              Every saved job: source, table, mode, schedule, next and last run
  jobs show <name> [--json]       The job's spec as saved (a job never holds a password)
  jobs run <name> [--dry-run] [--json] [load's target and source flags, which override the spec]
        Runs the job as 'loadstone load' would, with the same summary, --json object and exit codes.
        A job already running (another 'jobs run', the scheduler, the app) is not started again:
        exit 5 (JOB_RUNNING) with a message naming the run that holds it.
  jobs export <name> [-o job.json]  A portable spec (no secret; connections by name), on stdout or in a file
  jobs import <job.json> [--replace] [--name NAME]
        Saves a spec file as a job (named --name, else its 'name', else the file's name). Every problem is
        listed by path (exit 2); a connection or source file not found here is a warning.
  jobs pause <name>               Nothing runs by the job's schedule until it is resumed (a run going on goes on)
  jobs resume <name>              Its schedule runs again from the next due time (what fell due meanwhile is not caught up)
  jobs remove <name>

${DATA_DIR_HELP}

${SOURCE_OPTIONS_HELP}

${LOAD_EXIT_HELP}
5 the job is already running (nothing was done).`;

/** `loadstone jobs …`: list, show, run, export, import, pause, resume and remove saved jobs. */
export const jobsCommand: CliCommand = async (args, io) => {
  const { values, positionals } = parseCliArgs(
    args,
    {
      ...JOB_RUN_OPTIONS,
      ...DATA_DIR_OPTION,
      replace: { type: 'boolean' },
      output: { type: 'string', short: 'o' },
    },
    USAGE,
  );
  const [sub, ...rest] = positionals;
  if (values.help || sub === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  const expect = (n: number, shape: string) => {
    if (rest.length !== n) throw new LoadstoneError('BAD_USAGE', `usage: loadstone jobs ${sub} ${shape}`);
  };
  const onlyFor = (allowed: readonly string[]) => {
    const given = Object.keys(values).filter((k) => k !== 'data-dir' && !allowed.includes(k));
    if (given.length > 0)
      throw new LoadstoneError(
        'BAD_USAGE',
        `jobs ${sub} does not take ${given.map((g) => `--${g}`).join(', ')} (see 'loadstone jobs --help')`,
      );
  };
  const dataDir = values['data-dir'];
  switch (sub) {
    case 'list':
      expect(0, '[--json]');
      onlyFor(['json']);
      return withCliStore(dataDir, io, async (store) => list(store, values.json === true, io));
    case 'show':
      expect(1, '<name> [--json]');
      onlyFor(['json']);
      return withCliStore(dataDir, io, async (store) => show(store, rest[0]!, values.json === true, io));
    case 'run':
      expect(1, '<name> [--dry-run] [--json] [flags]');
      if (values.replace || values.output)
        throw new LoadstoneError(
          'BAD_USAGE',
          "jobs run does not take --replace or -o (see 'loadstone jobs --help')",
        );
      return runJobCommand(rest[0]!, values, io);
    case 'export':
      expect(1, '<name> [-o job.json]');
      onlyFor(['output']);
      return withCliStore(dataDir, io, async (store) => exportJob(store, rest[0]!, values.output, io));
    case 'import':
      expect(1, '<job.json> [--replace] [--name NAME]');
      onlyFor(['replace', 'name']);
      return withCliStore(dataDir, io, async (store) =>
        importJob(store, rest[0]!, { replace: values.replace === true, name: values.name }, io),
      );
    case 'pause':
    case 'resume':
      expect(1, '<name>');
      onlyFor([]);
      return withCliStore(dataDir, io, async (store) => pauseOrResume(store, rest[0]!, sub === 'pause', io));
    case 'remove':
      expect(1, '<name>');
      onlyFor([]);
      return withCliStore(dataDir, io, async (store) => remove(store, rest[0]!, io));
    default:
      throw new LoadstoneError(
        'BAD_USAGE',
        sub === undefined
          ? "jobs needs a subcommand: list, show, run, export, import, pause, resume or remove (see 'loadstone jobs --help')"
          : `unknown jobs subcommand '${sub}': use list, show, run, export, import, pause, resume or remove`,
      );
  }
};

let zoneNames: Intl.DateTimeFormat | undefined;

/** The machine's zone at `iso` as a short name (`UTC`, `CET`, `GMT+1`), for times shown in local time. */
function zoneLabel(iso: string): string {
  zoneNames ??= new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' });
  const part = zoneNames.formatToParts(new Date(iso)).find((p) => p.type === 'timeZoneName');
  return part?.value ?? '';
}

/** One saved job as `jobs list --json` prints it. */
export interface JobListEntry {
  name: string;
  source: string;
  table: string | null;
  mode: string | null;
  schedule: { cron: string; timezone: string; missed: string; maxRunMinutes: number } | null;
  paused: boolean;
  nextRunAt: string | null;
  /**
   * Whether a scheduler (the app, `loadstone scheduler`) is running on this data folder now: without
   * one, `nextRunAt` passes and is missed.
   */
  schedulerRunning: boolean;
  running: boolean;
  lastRun: { runId: string; status: string; startedAt: string } | null;
  updatedAt: string;
}

/** Every saved job with its schedule and last run (what the app's Jobs screen shows too). */
export function jobEntries(store: RunStore, now: Date = new Date()): JobListEntry[] {
  const schedulerRunning = store.schedulers.live().length > 0;
  return store.jobs.list().map((info) => {
    const spec = portableSpec(store.jobs.saved(info.name)?.spec) as { schedule?: JobListEntry['schedule'] };
    let schedule: JobListEntry['schedule'] = null;
    let nextRunAt: string | null = null;
    const state = store.schedules.get(info.name);
    try {
      const parsed = store.jobs.get(info.name)?.spec.schedule;
      if (parsed) {
        schedule = parsed;
        if (!state.paused) nextRunAt = nextRunTime(parsed, now)?.toISOString() ?? null;
      }
    } catch {
      // An outdated spec lists without its schedule; `jobs show` and `jobs run` report it.
      schedule = spec.schedule ?? null;
    }
    const last = store.runs.lastOfJob(info.name);
    return {
      name: info.name,
      source: info.source,
      table: info.table,
      mode: info.mode,
      schedule,
      paused: state.paused,
      nextRunAt,
      schedulerRunning,
      running: store.jobLocks.holder(info.name) !== undefined,
      lastRun: last ? { runId: last.id, status: last.status, startedAt: last.startedAt } : null,
      updatedAt: info.updatedAt,
    };
  });
}

function list(store: RunStore, json: boolean, io: CliIo): number {
  const entries = jobEntries(store);
  if (json) {
    io.stdout.write(`${JSON.stringify(entries)}\n`);
    return EXIT.ok;
  }
  if (entries.length === 0) {
    io.stdout.write("No saved jobs. Save one in the app, or 'loadstone jobs import job.json'.\n");
    return EXIT.ok;
  }
  // A next run no scheduler will start is marked, and said once below the table.
  const unattended = entries.some((e) => e.nextRunAt !== null && !e.schedulerRunning);
  const rows = entries.map((e) => [
    cell(e.name, 30),
    cell(e.table ?? '', 30),
    e.mode ?? '',
    e.schedule ? cell(`${e.schedule.cron} (${e.schedule.timezone})${e.paused ? ' paused' : ''}`, 40) : '',
    e.running
      ? 'running now'
      : e.nextRunAt
        ? `${localTime(e.nextRunAt)} ${zoneLabel(e.nextRunAt)}${e.schedulerRunning ? '' : ' (no scheduler)'}`
        : '',
    e.lastRun ? `${e.lastRun.status} ${localTime(e.lastRun.startedAt)}` : '',
    cell(e.source, 50),
  ]);
  io.stdout.write(
    `${renderTable(['name', 'table', 'mode', 'schedule', 'next run', 'last run', 'source'], rows)}\n`,
  );
  if (unattended) {
    io.stdout.write(
      "No scheduler is running on this data folder: scheduled jobs run only while the app is open or 'loadstone scheduler' runs.\n",
    );
  }
  return EXIT.ok;
}

function show(store: RunStore, name: string, json: boolean, io: CliIo): number {
  const saved = store.jobs.saved(name);
  if (!saved)
    throw new LoadstoneError('NOT_FOUND', `no saved job named '${name}' (see 'loadstone jobs list')`);
  const spec = portableSpec(saved.spec);
  if (json) {
    io.stdout.write(`${JSON.stringify({ name: saved.info.name, updatedAt: saved.info.updatedAt, spec })}\n`);
    return EXIT.ok;
  }
  io.stdout.write(`Job '${saved.info.name}' (saved ${localTime(saved.info.updatedAt)}):\n`);
  io.stdout.write(`${JSON.stringify(spec, null, 2)}\n`);
  return EXIT.ok;
}

/**
 * Pauses or resumes a job's schedule, as the app's Pause / Resume do: the scheduler (this data
 * folder's, in any process) reads it at its next look. A job without a schedule is refused.
 */
function pauseOrResume(store: RunStore, name: string, pause: boolean, io: CliIo): number {
  const job = store.jobs.get(name);
  if (!job) throw new LoadstoneError('NOT_FOUND', `no saved job named '${name}' (see 'loadstone jobs list')`);
  if (!job.spec.schedule) {
    throw new LoadstoneError(
      'BAD_USAGE',
      `job '${name}' has no schedule to ${pause ? 'pause' : 'resume'} (a schedule is the spec's "schedule": see 'loadstone jobs show ${name}')`,
    );
  }
  const was = store.schedules.get(name).paused;
  store.schedules.setPaused(name, pause);
  const next = pause ? null : nextRunTime(job.spec.schedule, new Date());
  io.stdout.write(
    pause
      ? `${was ? 'Already paused' : 'Paused'}: job '${name}' runs by its schedule no more until 'loadstone jobs resume ${name}'.\n`
      : `${was ? 'Resumed' : 'Not paused'}: job '${name}' runs by its schedule${next ? `, next at ${localTime(next.toISOString())}` : ''}.\n`,
  );
  return EXIT.ok;
}

function remove(store: RunStore, name: string, io: CliIo): number {
  if (!store.jobs.saved(name)) {
    throw new LoadstoneError('NOT_FOUND', `no saved job named '${name}' (see 'loadstone jobs list')`);
  }
  // Not while it runs: its run would finish under a job that no longer exists.
  const lock = store.jobLocks.acquire(name, 'jobs remove');
  try {
    store.jobs.remove(name);
  } finally {
    lock.release();
  }
  io.stdout.write(`Removed job '${name}'.\n`);
  return EXIT.ok;
}
