import { randomUUID } from 'node:crypto';
import { createAlertOutbox } from '../alerts/outbox.ts';
import { resumeLoad } from '../runs/resume.ts';
import { runLoad } from '../runs/run-load.ts';
import { type Scheduler, systemClock } from '../schedule/scheduler.ts';
import { createStoreScheduler } from '../schedule/store-scheduler.ts';
import { exportForFixing } from '../store/export-fixing.ts';
import { exportReport, openStore, type SecretStore } from '../store/index.ts';
import type { HandlerContext } from './context.ts';
import { createHandlers } from './create-handlers.ts';
import { EventBus } from './event-bus.ts';
import { FileGrants } from './file-grants.ts';
import { LoadManager, type StartLoad } from './load-manager.ts';
import type { Logger } from './logger.ts';
import type { Engine } from './types.ts';
import { Warehouse } from './warehouse.ts';

/** How to open an engine (one per process: the browser host, or Electron's utility process). */
export interface EngineOptions {
  readonly dataDir: string;
  readonly secretStore: SecretStore;
  readonly transport: 'electron' | 'http';
  readonly version: string;
  readonly log: Logger;
  /** Environment for connection defaults (PGHOST, PGPASSWORD, ~/.pgpass…); default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** The store's SQL migrations (bundled apps ship their own copy); default: the repository's. */
  readonly migrationsDir?: string;
  /** Files outside the data folder no call may read or write either (e.g. the host's secret key file). */
  readonly protectedPaths?: readonly string[];
}

/**
 * The composition root shared by every transport: opens the run store, wires the handlers, the event
 * bus, the load manager and the local warehouse. Opening starts no load and no server.
 * @throws LoadstoneError STORE_UNAVAILABLE / STORE_MIGRATION when the store cannot be opened.
 */
export async function openEngine(options: EngineOptions): Promise<Engine> {
  const { dataDir, log } = options;
  const store = openStore(dataDir, {
    secretStore: options.secretStore,
    ...(options.migrationsDir ? { migrationsDir: options.migrationsDir } : {}),
  });
  if (store.interruptedAtOpen.length > 0) {
    log.warn(
      `${store.interruptedAtOpen.length} run(s) were still running when the app last stopped; now interrupted`,
    );
  }
  const bus = new EventBus(log);
  const warehouse = new Warehouse(dataDir);
  const env = options.env ?? process.env;
  const alerts = createAlertOutbox({
    store,
    env,
    desktop: (notice) => bus.publish('alert.desktop', notice),
    log: (line) => log.warn(line),
    onDelivered: () => bus.publish('data.changed', { domain: 'runs' }),
  });
  /** Alerts consume recorded runs: after the load's end is recorded and published, never before. */
  const alertAfter = (runId: string) =>
    setImmediate(() => {
      try {
        alerts.alertRunEnded(runId);
      } catch (error) {
        log.warn(
          `alerts of run ${runId} not sent: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    });
  const startLoad: StartLoad = async (spec, o) => {
    const common = {
      store,
      env,
      openWarehouse: () => warehouse.open(),
      signal: o.signal,
      ...(o.trigger ? { trigger: o.trigger } : {}),
      onRunCreated: o.onRunCreated,
      onProgress: o.onProgress,
      ...(o.onSourceRead ? { onSourceRead: o.onSourceRead } : {}),
    };
    const outcome =
      o.resumeOf !== undefined
        ? await resumeLoad(o.resumeOf, common)
        : await runLoad(spec, {
            ...common,
            dryRun: o.dryRun,
            ...(o.reloadOf ? { reloadOf: o.reloadOf } : {}),
          });
    alertAfter(outcome.runId);
    return outcome;
  };
  // What this process found interrupted, and what another command (`runs`, `jobs list`) marked
  // interrupted since (that command sent no alert for it): each alerted once.
  setImmediate(() => {
    try {
      alerts.alertUnreportedInterruptions();
    } catch (error) {
      log.warn(
        `alerts of interrupted runs not sent: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  });
  // Retention (settings) runs at open and whenever no load is running: it deletes old runs' rejected
  // rows and compacts the file, which should not compete with a load's writes.
  const applyRetention = () => {
    try {
      const result = store.applyRetention();
      if (result.deletedRuns.length > 0) {
        log.info(
          `retention: removed ${result.deletedRuns.length} old run(s), ${result.deletedRejectedRows} rejected rows`,
        );
        bus.publish('data.changed', { domain: 'runs' });
      }
    } catch (error) {
      log.warn(`retention failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  applyRetention();
  const loads = new LoadManager(startLoad, store, bus, log, applyRetention);
  const grants = new FileGrants(dataDir, options.protectedPaths ?? []);
  const ctx: HandlerContext = {
    store,
    bus,
    log,
    dataDir,
    version: options.version,
    transport: options.transport,
    env,
    loads,
    warehouse,
    grants,
    alerts,
  };
  let closed = false;
  let scheduler: { scheduler: Scheduler; loop: Promise<void> } | null = null;
  return {
    handlers: createHandlers(ctx),
    bus,
    log,
    dataDir,
    grants,
    async exportReport(runId, format, out, signal, filter) {
      const result =
        format === 'fixing' || format === 'fixing-bom'
          ? await exportForFixing(store, runId, out, {
              bom: format === 'fixing-bom',
              ...(signal ? { signal } : {}),
            })
          : await exportReport(store, runId, format, out, {
              ...(signal ? { signal } : {}),
              filter: filter ?? {},
            });
      // The store leaves streams open (callers may write more); a download ends here.
      out.end();
      return { rows: result.rows };
    },
    startScheduler(o = {}) {
      if (scheduler || closed) return;
      const jobsChanged = () => bus.publish('data.changed', { domain: 'jobs' });
      const created = createStoreScheduler({
        store,
        clock: o.clock ?? systemClock,
        purpose: `app scheduler (${options.transport})`,
        // Through the load manager, so a scheduled run shows its progress and can be cancelled.
        run: (spec, signal) =>
          new Promise((resolve, reject) => {
            // Named until its run is recorded, so a stop or an overrun also reaches a run whose
            // source is still opening (it then ends cancelled, with no run).
            const startId = `schedule-${randomUUID()}`;
            const cancelStart = () => loads.cancelStart(startId);
            signal.addEventListener('abort', cancelStart, { once: true });
            const started = loads.start(spec, false, {
              trigger: 'schedule',
              startId,
              // No outcome: it failed before a run was recorded, and start() rejects with why.
              onSettled: (outcome) => {
                if (outcome) resolve({ runId: outcome.runId, status: outcome.status, error: outcome.error });
              },
            });
            if (signal.aborted) cancelStart();
            started.then((runId) => {
              signal.removeEventListener('abort', cancelStart);
              if (signal.aborted) loads.cancel(runId);
              else signal.addEventListener('abort', () => loads.cancel(runId), { once: true });
            }, reject);
          }),
        onRole: (role, leader) =>
          log.info(
            role === 'standby'
              ? `schedule: standing by, ${leader.purpose} (pid ${leader.pid}) runs due jobs of this data folder`
              : 'schedule: taking over, the scheduler that ran due jobs stopped',
          ),
        onRunStart: (job, due) => {
          log.info(`schedule: started job '${job.name}' (due ${due.toISOString()})`);
          jobsChanged();
        },
        onRunEnd: (job, end) => {
          log.info(
            `schedule: job '${job.name}' ended ${end.status}${end.runId ? ` (run ${end.runId})` : ''}`,
          );
          jobsChanged();
        },
        onProblem: (problem) => {
          log.warn(`schedule: job '${problem.job}' ${problem.kind}: ${problem.detail}`);
          try {
            alerts.alertScheduleProblem(problem);
          } catch (error) {
            log.warn(
              `alerts of job '${problem.job}' not sent: ${error instanceof Error ? error.message : String(error)}`,
            );
          }
          o.onProblem?.(problem);
          jobsChanged();
        },
      });
      scheduler = { scheduler: created, loop: created.run() };
    },
    async close() {
      if (closed) return;
      closed = true;
      if (scheduler) {
        await scheduler.scheduler.stop(0);
        await scheduler.loop;
      }
      await loads.closeAll();
      // Deliveries still going get a few seconds, then are recorded abandoned.
      await alerts.drain(5000);
      await warehouse.stop().catch((error: unknown) => {
        log.warn(
          `the local warehouse did not stop cleanly: ${error instanceof Error ? error.message : String(error)}`,
        );
      });
      store.close();
    },
  };
}
