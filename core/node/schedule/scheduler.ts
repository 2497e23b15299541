import type { Schedule } from '../../common/spec/schedule.ts';
import { nextRunTime } from '../../common/spec/schedule.ts';
import { sleep } from '../runtime/sleep.ts';
import type { SchedulerHolder, SchedulerSeat, ScheduleState } from '../store/index.ts';

/** Time as the scheduler sees it: injected, so tests drive it. */
export interface Clock {
  now(): Date;
  /** Resolves after `ms` (or at once when `signal` aborts). */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/** The machine's clock. */
export const systemClock: Clock = {
  now: () => new Date(),
  sleep,
};

/** A saved job with a schedule, as the scheduler reads it on each tick. */
export interface ScheduledJob {
  readonly name: string;
  readonly schedule: Schedule;
  /** When the job was last saved (ISO): due times before it are not owed. */
  readonly updatedAt: string;
}

/** How a scheduled run ended. `runId` is null when it failed before a run was recorded. */
export interface ScheduledRunEnd {
  readonly runId: string | null;
  readonly status: string;
  readonly error?: { readonly code: string; readonly message: string } | null;
}

/** A schedule problem: the lead wires these to alerts. */
export interface ScheduleProblem {
  readonly job: string;
  readonly kind: 'missed' | 'overran' | 'failed_to_start';
  readonly detail: string;
}

/** What the scheduler is built on; each consumer (CLI, engine) supplies its own. */
export interface SchedulerDeps {
  readonly clock: Clock;
  /** Saved jobs that carry a schedule (read on every tick: edits apply at once). */
  jobs(): ScheduledJob[];
  readonly state: {
    get(jobName: string): ScheduleState;
    fired(jobName: string, dueAt: string, runId: string | null): void;
    setNextRun(jobName: string, nextRunAt: string | null): void;
  };
  /**
   * Starts one run of the job (trigger `schedule`) under the job's lock.
   * @throws LoadstoneError JOB_RUNNING (it is running elsewhere), or any error before the run starts.
   */
  start(job: ScheduledJob, signal: AbortSignal): { readonly done: Promise<ScheduledRunEnd> };
  onProblem?(problem: ScheduleProblem): void;
  /**
   * A due time passed while this scheduler's previous run of the job was still going: not started
   * (runs never overlap nor queue up). Not a problem: the schedule's `maxRunMinutes` is what says a
   * run takes too long (`overran`).
   */
  onSkipped?(job: ScheduledJob, dueAt: Date, detail: string): void;
  onRunStart?(job: ScheduledJob, dueAt: Date): void;
  onRunEnd?(job: ScheduledJob, end: ScheduledRunEnd): void;
  /**
   * Takes this scheduler's seat among the schedulers sharing its store (`SchedulersRepo.seat`), at
   * its first look: only the oldest live one runs due jobs. Without it, this one runs them alone.
   */
  seat?(): SchedulerSeat;
  /**
   * This scheduler stands by (`leader` runs due jobs), or took over from one that stopped or died.
   * Not called for a scheduler that runs due jobs from its first look.
   */
  onRole?(role: 'active' | 'standby', leader: SchedulerHolder): void;
}

/** Longest the loop sleeps between looks at the saved jobs (edits and resumes show up within it). */
export const MAX_SLEEP_MS = 5_000;

interface InFlight {
  readonly controller: AbortController;
  readonly startedAt: number;
  readonly done: Promise<void>;
  overran: boolean;
}

/**
 * Runs saved jobs when their schedule falls due. Due times that passed while no scheduler ran are
 * "missed": skipped (reported), or run once on start, as each schedule says. One job never runs twice
 * at once: not here (a job still running is not started again) nor across processes (the job lock).
 */
export class Scheduler {
  readonly #deps: SchedulerDeps;
  readonly #startedAt: Date;
  readonly #inFlight = new Map<string, InFlight>();
  readonly #stop = new AbortController();
  #seat: SchedulerSeat | undefined;
  #role: 'active' | 'standby' | undefined;

  constructor(deps: SchedulerDeps) {
    this.#deps = deps;
    this.#startedAt = deps.clock.now();
  }

  /** Names of the jobs this scheduler is running now. */
  running(): string[] {
    return [...this.#inFlight.keys()];
  }

  /** Looks at every scheduled job once: starts what is due, reports what was missed or overran. */
  tick(): void {
    const now = this.#deps.clock.now();
    this.#checkOverruns(now);
    if (!this.#leads()) return;
    for (const job of this.#deps.jobs()) {
      try {
        this.#tickJob(job, now);
      } catch (error) {
        this.#problem(job.name, 'failed_to_start', errorText(error));
      }
    }
  }

  /** Ticks until `stop()`, sleeping until the next due time (at most MAX_SLEEP_MS). */
  async run(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      this.tick();
      await this.#deps.clock.sleep(this.#sleepMs(), signal);
    }
  }

  /**
   * Stops starting runs, lets running ones finish for up to `graceMs`, then cancels them (they roll
   * back) and waits until each has recorded its end.
   */
  async stop(graceMs: number): Promise<void> {
    this.#stop.abort();
    // Another scheduler on the store may take over at once; runs going on here keep their job locks.
    this.#seat?.release();
    const all = () => Promise.allSettled([...this.#inFlight.values()].map((f) => f.done));
    if (this.#inFlight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'grace'>((resolve) => {
      timer = setTimeout(() => resolve('grace'), graceMs);
    });
    const first = await Promise.race([all().then(() => 'done' as const), graceOver]);
    clearTimeout(timer);
    if (first === 'grace') {
      for (const f of this.#inFlight.values()) f.controller.abort();
      await all();
    }
  }

  /** Whether this scheduler runs due jobs at this look (it is the oldest live one on its store). */
  #leads(): boolean {
    if (this.#stop.signal.aborted) return false;
    if (!this.#deps.seat) return true;
    let look: ReturnType<SchedulerSeat['look']>;
    try {
      this.#seat ??= this.#deps.seat();
      look = this.#seat.look();
    } catch {
      // A store busy beyond its timeout: keep the role of the last look until the next one.
      return this.#role !== 'standby';
    }
    const role = look.leads ? 'active' : 'standby';
    if (role !== this.#role && (this.#role !== undefined || role === 'standby')) {
      this.#deps.onRole?.(role, look.leader);
    }
    this.#role = role;
    return look.leads;
  }

  #tickJob(job: ScheduledJob, now: Date): void {
    const state = this.#deps.state.get(job.name);
    if (state.paused) {
      if (state.nextRunAt !== null) this.#deps.state.setNextRun(job.name, null);
      return;
    }
    const since = new Date(Math.max(Date.parse(job.updatedAt), Date.parse(state.lastFiredAt ?? '') || 0));
    const dues = dueTimes(job.schedule, since, now);
    const next = nextRunTime(job.schedule, now)?.toISOString() ?? null;
    if (next !== state.nextRunAt) this.#deps.state.setNextRun(job.name, next);
    if (dues.length === 0) return;
    const startedAt = this.#startedAt.getTime();
    const missed = dues.filter((d) => d.getTime() < startedAt);
    const current = dues.filter((d) => d.getTime() >= startedAt);
    const latest = dues[dues.length - 1]!;
    if (missed.length > 0) {
      const runOnce = job.schedule.missed === 'runOnce' && current.length === 0;
      this.#problem(
        job.name,
        'missed',
        `${missed.length} run(s) fell due while no scheduler was running (${missed[0]!.toISOString()}` +
          `${missed.length > 1 ? ` to ${missed[missed.length - 1]!.toISOString()}` : ''}); ` +
          (runOnce ? 'running once now (missed: runOnce)' : 'skipped (missed: skip)'),
      );
      if (!runOnce && current.length === 0) {
        this.#deps.state.fired(job.name, latest.toISOString(), null);
        return;
      }
    }
    // Several due times since the last look (a slow tick) make one run: runs never queue up.
    this.#deps.state.fired(job.name, latest.toISOString(), null);
    this.#start(job, latest);
  }

  #start(job: ScheduledJob, due: Date): void {
    const running = this.#inFlight.get(job.name);
    if (running) {
      const since = new Date(running.startedAt).toISOString();
      this.#deps.onSkipped?.(
        job,
        due,
        `the run due at ${due.toISOString()} was skipped: the job's previous run, started at ${since}, is still going`,
      );
      return;
    }
    const controller = new AbortController();
    let started: { done: Promise<ScheduledRunEnd> };
    try {
      started = this.#deps.start(job, controller.signal);
    } catch (error) {
      this.#problem(job.name, 'failed_to_start', `the run due at ${due.toISOString()}: ${errorText(error)}`);
      return;
    }
    this.#deps.onRunStart?.(job, due);
    const flight: InFlight = {
      controller,
      startedAt: this.#deps.clock.now().getTime(),
      overran: false,
      done: started.done.then(
        (end) => this.#ended(job, due, end, controller.signal),
        (error: unknown) => {
          const failure = errorOf(error);
          const status = failure.code === 'LOAD_CANCELLED' ? 'cancelled' : 'failed';
          this.#ended(job, due, { runId: null, status, error: failure }, controller.signal);
        },
      ),
    };
    this.#inFlight.set(job.name, flight);
  }

  #ended(job: ScheduledJob, due: Date, end: ScheduledRunEnd, cancelled: AbortSignal): void {
    this.#inFlight.delete(job.name);
    // Cancelled by this scheduler (stopping, or past its maximum run time: reported as overran)
    // while its source was still being opened: it started, so it did not fail to.
    const cancelledHere = cancelled.aborted && end.status === 'cancelled';
    if (end.runId !== null) this.#deps.state.fired(job.name, due.toISOString(), end.runId);
    else if (!cancelledHere)
      this.#problem(
        job.name,
        'failed_to_start',
        `the run due at ${due.toISOString()} failed before it started: ${end.error?.message ?? end.status}`,
      );
    this.#deps.onRunEnd?.(job, end);
  }

  #checkOverruns(now: Date): void {
    for (const job of this.#deps.jobs()) {
      const flight = this.#inFlight.get(job.name);
      if (!flight || flight.overran) continue;
      const limit = job.schedule.maxRunMinutes * 60_000;
      if (now.getTime() - flight.startedAt > limit) {
        flight.overran = true;
        this.#problem(
          job.name,
          'overran',
          `still running after ${job.schedule.maxRunMinutes} min (its maximum run time): cancelled`,
        );
        flight.controller.abort();
      }
    }
  }

  #sleepMs(): number {
    const now = this.#deps.clock.now().getTime();
    let wait = MAX_SLEEP_MS;
    for (const job of this.#deps.jobs()) {
      const next = nextRunTime(job.schedule, new Date(now));
      if (next) wait = Math.min(wait, Math.max(0, next.getTime() - now));
    }
    return wait;
  }

  #problem(job: string, kind: ScheduleProblem['kind'], detail: string): void {
    this.#deps.onProblem?.({ job, kind, detail });
  }
}

/**
 * Due times of a schedule in (since, now], oldest first. A long gap of a frequent schedule keeps the
 * first 100 and the last 1,000 (what reports and the run-once policy need), not every one.
 */
export function dueTimes(schedule: Pick<Schedule, 'cron' | 'timezone'>, since: Date, now: Date): Date[] {
  const head: Date[] = [];
  const tail: Date[] = [];
  let at = since;
  for (let steps = 0; ; steps++) {
    if (steps === 5_000) {
      // Jump close to now: the middle of a long gap is never run, only counted as missed.
      const near = new Date(now.getTime() - 60 * 60_000);
      if (near.getTime() > at.getTime()) at = near;
    }
    const next = nextRunTime(schedule, at);
    if (!next || next.getTime() > now.getTime()) return [...head, ...tail];
    if (head.length < 100) head.push(next);
    else {
      tail.push(next);
      if (tail.length > 1000) tail.shift();
    }
    at = next;
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function errorOf(error: unknown): { code: string; message: string } {
  const code = (error as { code?: unknown })?.code;
  return { code: typeof code === 'string' ? code : 'INTERNAL', message: errorText(error) };
}
