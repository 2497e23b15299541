import { createAlertOutbox } from '../alerts/outbox.ts';
import { Warehouse } from '../handlers/warehouse.ts';
import type { ScheduledJob, ScheduledRunEnd, ScheduleProblem } from '../schedule/scheduler.ts';
import { systemClock } from '../schedule/scheduler.ts';
import { createStoreScheduler, scheduledJobs } from '../schedule/store-scheduler.ts';
import { resolveDataDir } from '../store/data-dir.ts';
import type { SchedulerHolder } from '../store/index.ts';
import { openStore } from '../store/open-store.ts';
import { NoSecretStore } from '../store/secret-store.ts';
import { alertWaitMs } from './alerts-command.ts';
import { intOption, parseCliArgs } from './args.ts';
import { EXIT } from './exit-codes.ts';
import type { CliCommand, CliIo } from './io.ts';
import { DATA_DIR_HELP, DATA_DIR_OPTION, terminalSafe } from './store-command-support.ts';

const USAGE = `Usage: loadstone scheduler [--json] [--grace-seconds N]

Runs saved jobs on their schedules, in the foreground, until SIGTERM or Ctrl-C (for servers: systemd,
a container). The same scheduler the desktop app runs while it is open: one run of a job at a time,
across every process using the data folder; runs missed while no scheduler ran are skipped or run
once, as each schedule says; a run past its maximum run time is cancelled. When several schedulers
share the data folder (the app is open too, say), the one started first runs due jobs and the others
stand by, taking over when it stops.

Logs one line per run start and end, per due time skipped because the job's previous run is still
going, and per schedule problem (missed, overran, failed_to_start: these are also alerted) on stdout.

  --json               One JSON object per line: {"at","event":"start"|"end"|"skipped"|"problem"|
                       "standby"|"active","job",…}
  --grace-seconds N    On SIGTERM, let running loads finish for N seconds before cancelling them
                       (they roll back) (default 30)
${DATA_DIR_HELP}

Exit codes: 0 stopped by SIGTERM/SIGINT, 1 unexpected failure, 2 bad usage or unreadable store.`;

/** `loadstone scheduler`: the headless scheduler in the foreground. */
export const schedulerCommand: CliCommand = async (args, io) => {
  const { values, positionals } = parseCliArgs(
    args,
    { ...DATA_DIR_OPTION, json: { type: 'boolean' }, 'grace-seconds': { type: 'string' } },
    USAGE,
  );
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  if (positionals.length > 0) {
    io.stderr.write("loadstone: scheduler takes no arguments (see 'loadstone scheduler --help')\n");
    return EXIT.usage;
  }
  const graceMs = (intOption(values['grace-seconds'], 'grace-seconds') ?? 30) * 1000;
  const dataDir = resolveDataDir({ dataDir: values['data-dir'], env: io.env, cwd: io.cwd });
  const store = openStore(dataDir, { secretStore: new NoSecretStore() });
  const warehouse = new Warehouse(dataDir);
  const log = logger(io, values.json === true);
  // Alerts consume what the scheduler recorded (a run's end, a schedule problem); a channel that
  // fails or hangs never stops the scheduler, and deliveries in flight get a bounded wait at stop.
  const alerts = createAlertOutbox({
    store,
    env: io.env,
    log: (text) => io.stderr.write(`${terminalSafe(text)}\n`),
  });
  const alertSafely = (send: () => unknown) => {
    try {
      send();
    } catch (error) {
      io.stderr.write(
        `alerts not sent: ${terminalSafe(error instanceof Error ? error.message : String(error))}\n`,
      );
    }
  };
  try {
    const scheduler = createStoreScheduler({
      store,
      clock: systemClock,
      purpose: 'loadstone scheduler',
      env: io.env,
      openWarehouse: () => warehouse.open(),
      onSkipped: (job, due, detail) => log.skipped(job, due, detail),
      onRunStart: (job, due) => log.start(job, due),
      onRole: (role, leader) => (role === 'standby' ? log.standby(leader) : log.active()),
      onRunEnd: (job, end) => {
        log.end(job, end);
        if (end.runId) alertSafely(() => alerts.alertRunEnded(end.runId!));
      },
      onProblem: (problem) => {
        log.problem(problem);
        alertSafely(() => alerts.alertScheduleProblem(problem));
      },
    });
    // What this process found interrupted, and what another command (`runs`, `jobs list`) marked
    // interrupted since a scheduler last ran (that command sent no alert for it).
    alertSafely(() => alerts.alertUnreportedInterruptions());
    log.started(scheduledJobs(store).length, dataDir);
    const stopped = new Promise<void>((resolve) => {
      if (io.signal.aborted) resolve();
      io.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    const loop = scheduler.run();
    await stopped;
    log.stopping(scheduler.running(), graceMs);
    await scheduler.stop(graceMs);
    await loop;
    await alerts.drain(alertWaitMs(io.env));
    log.stopped();
    return EXIT.ok;
  } finally {
    store.close();
    await warehouse.stop();
  }
};

function logger(io: CliIo, json: boolean) {
  const line = (event: string, fields: Record<string, unknown>, text: string) => {
    const at = new Date().toISOString();
    io.stdout.write(json ? `${JSON.stringify({ at, event, ...fields })}\n` : `${at} ${terminalSafe(text)}\n`);
  };
  return {
    started: (jobs: number, dataDir: string) =>
      line(
        'started',
        { jobs, pid: process.pid },
        `scheduler started (pid ${process.pid}): ${jobs} scheduled job(s) in ${dataDir}`,
      ),
    start: (job: ScheduledJob, due: Date) =>
      line(
        'start',
        { job: job.name, dueAt: due.toISOString() },
        `start ${job.name} (due ${due.toISOString()})`,
      ),
    skipped: (job: ScheduledJob, due: Date, detail: string) =>
      line('skipped', { job: job.name, dueAt: due.toISOString(), detail }, `skipped ${job.name}: ${detail}`),
    end: (job: ScheduledJob, end: ScheduledRunEnd) =>
      line(
        'end',
        { job: job.name, runId: end.runId, status: end.status, error: end.error ?? null },
        `end ${job.name}: ${end.status}${end.runId ? ` (run ${end.runId})` : ''}${end.error ? `: ${end.error.message}` : ''}`,
      ),
    problem: (p: ScheduleProblem) =>
      line(
        'problem',
        { job: p.job, kind: p.kind, detail: p.detail },
        `problem ${p.job} ${p.kind}: ${p.detail}`,
      ),
    stopping: (running: string[], graceMs: number) =>
      line(
        'stopping',
        { running, graceMs },
        running.length === 0
          ? 'stopping: no run in progress'
          : `stopping: waiting up to ${graceMs / 1000} s for ${running.join(', ')}, then cancelling`,
      ),
    standby: (leader: SchedulerHolder) =>
      line(
        'standby',
        { leader: { purpose: leader.purpose, pid: leader.pid, host: leader.host, since: leader.startedAt } },
        `standing by: ${leader.purpose} (pid ${leader.pid} on ${leader.host}, since ${leader.startedAt}) ` +
          'runs the due jobs of this data folder; this scheduler takes over when it stops',
      ),
    active: () =>
      line('active', {}, 'taking over: the scheduler that ran due jobs stopped; this one runs them now'),
    stopped: () => line('stopped', {}, 'scheduler stopped'),
  };
}
