import { LoadstoneError } from '../../common/errors.ts';
import { resolveDataDir } from '../store/data-dir.ts';
import { openStore } from '../store/open-store.ts';
import { NoSecretStore } from '../store/secret-store.ts';
import type { CliIo } from './io.ts';
import { ALERT_OPTIONS, alertFlags, jobFromOptions, SOURCE_OPTIONS } from './job-options.ts';
import { type LoadValues, loadFlagsFrom, runAndReport, TARGET_OPTIONS } from './load-command.ts';

const { spec: _spec, ...SOURCE_FLAGS } = SOURCE_OPTIONS;
const { resume: _resume, 'reload-of': _reloadOf, ...RUN_TARGET_FLAGS } = TARGET_OPTIONS;

/**
 * `jobs run`'s flags: `load`'s (alert flags included), but for --spec (the saved job is the spec)
 * and --resume / --reload-of (which run another run's spec).
 */
export const JOB_RUN_OPTIONS = { ...SOURCE_FLAGS, ...RUN_TARGET_FLAGS, ...ALERT_OPTIONS } as const;

type JobRunValues = LoadValues & {
  [K in keyof typeof ALERT_OPTIONS]?: (typeof ALERT_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string;
} & {
  [K in Exclude<
    keyof typeof SOURCE_FLAGS,
    'request-header'
  >]?: (typeof SOURCE_FLAGS)[K]['type'] extends 'boolean' ? boolean : string;
} & { 'data-dir'?: string | undefined; 'request-header'?: string[] | undefined };

/** The spec of a saved job as it runs: as saved, named after the job (its runs and watermarks are the job's). */
export function savedJobBase(name: string, saved: unknown): Record<string, unknown> {
  if (typeof saved !== 'object' || saved === null || Array.isArray(saved)) {
    throw new LoadstoneError('SPEC_INVALID', `saved job '${name}' is not a JSON object; save it again`);
  }
  return { ...(saved as Record<string, unknown>), name };
}

/**
 * `jobs run <name>`: the saved job with `load`'s flags over it, run and reported by `load`'s own code
 * (same summary, JSON and exit codes), under the job's lock.
 * @throws LoadstoneError NOT_FOUND (no such job), JOB_RUNNING (exit 5: it is running elsewhere).
 */
export async function runJobCommand(name: string, values: JobRunValues, io: CliIo): Promise<number> {
  if (values.name !== undefined) {
    throw new LoadstoneError('BAD_USAGE', "jobs run takes no --name: the job's runs carry its own name");
  }
  const dataDir = resolveDataDir({ dataDir: values['data-dir'], env: io.env, cwd: io.cwd });
  const store = openStore(dataDir, { secretStore: new NoSecretStore() });
  try {
    const saved = store.jobs.saved(name);
    if (!saved)
      throw new LoadstoneError('NOT_FOUND', `no saved job named '${name}' (see 'loadstone jobs list')`);
    const base = savedJobBase(saved.info.name, saved.spec);
    const spec = await jobFromOptions(
      undefined,
      values,
      io.cwd,
      { ...loadFlagsFrom(values), alerts: alertFlags(values) },
      base,
    );
    const lock = store.jobLocks.acquire(saved.info.name, 'loadstone jobs run');
    try {
      return await runAndReport(spec, values, io, { dataDir, store });
    } finally {
      lock.release();
    }
  } finally {
    store.close();
  }
}
