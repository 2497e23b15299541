import { existsSync, writeFileSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { LoadstoneError } from '../../common/errors.ts';
import { parseJobSpec } from '../../common/spec/job-spec.ts';
import { nextRunTime } from '../../common/spec/schedule.ts';
import { sourceFilePath } from '../../common/spec/source-label.ts';
import type { RunStore } from '../store/open-store.ts';
import { isPostgresUrl, redactUrl } from '../store/postgres-url.ts';
import { LOCAL_CONNECTION } from '../store/resolve-connection.ts';
import { EXIT } from './exit-codes.ts';
import type { CliIo } from './io.ts';
import { readSpecFile } from './job-options.ts';
import { terminalSafe } from './store-command-support.ts';

/**
 * A saved spec as it may leave the store: a copy with any password in a target URL shown as `***`
 * (saving refuses one, so this is a second guard). Connections are by name already.
 */
export function portableSpec(spec: unknown): unknown {
  if (!isRecord(spec)) return spec;
  const copy = structuredClone(spec);
  const target = copy.target;
  if (isRecord(target) && typeof target.connection === 'string') {
    target.connection = redactUrl(target.connection);
  }
  return copy;
}

/** `jobs export`: the job's spec with its name, on stdout or in a file. */
export function exportJob(store: RunStore, name: string, output: string | undefined, io: CliIo): number {
  const saved = store.jobs.saved(name);
  if (!saved)
    throw new LoadstoneError('NOT_FOUND', `no saved job named '${name}' (see 'loadstone jobs list')`);
  const spec = portableSpec(saved.spec);
  const text = `${JSON.stringify(isRecord(spec) ? { ...spec, name: saved.info.name } : spec, null, 2)}\n`;
  if (output === undefined) {
    io.stdout.write(text);
    return EXIT.ok;
  }
  const path = resolve(io.cwd, output);
  try {
    writeFileSync(path, text, { mode: 0o600 });
  } catch (error) {
    throw new LoadstoneError(
      'BAD_USAGE',
      `cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  io.stdout.write(`Exported job '${saved.info.name}' to ${path}\n`);
  return EXIT.ok;
}

/**
 * `jobs import`: validates a spec file (every problem by path), then saves it as a job. A missing
 * source file, an unknown connection or alert channel, a cron that never falls due or an environment
 * variable the spec names and this shell lacks does not stop the import (each may come later); each
 * is a warning on stderr.
 */
export async function importJob(
  store: RunStore,
  file: string,
  opts: { replace: boolean; name: string | undefined },
  io: CliIo,
): Promise<number> {
  const path = resolve(io.cwd, file);
  const raw = await readSpecFile(path);
  const fromFile = typeof raw.name === 'string' && raw.name.trim() !== '' ? raw.name.trim() : undefined;
  const name = opts.name?.trim() || fromFile || basename(path, extname(path));
  const spec = { ...raw, name };
  const parsed = parseJobSpec(spec, `job file ${path}`);
  if (store.jobs.saved(name) && !opts.replace) {
    throw new LoadstoneError(
      'BAD_USAGE',
      `a job named '${name}' already exists: add --replace to replace it, or --name to import it under another name`,
    );
  }
  const warnings: string[] = [];
  const sourcePath = sourceFilePath(parsed.source);
  if (sourcePath !== undefined && !existsSync(sourcePath)) {
    warnings.push(`source.path: no file at ${sourcePath} yet; the job fails to run until there is one`);
  }
  const unknownConnection = (name: string | undefined): name is string =>
    !!name &&
    name.toLowerCase() !== LOCAL_CONNECTION &&
    !isPostgresUrl(name) &&
    !/^(mysql|mariadb):\/\//i.test(name) &&
    !store.connections.get(name);
  const connection = parsed.target?.connection;
  if (unknownConnection(connection)) {
    warnings.push(
      `target.connection: no saved connection named '${connection}' here; add it with 'loadstone connections add ${connection} <url>'`,
    );
  }
  // A database source names its connection as a target does; the job fails to run without it.
  const sourceConnection = (parsed.source as { connection?: unknown }).connection;
  if (typeof sourceConnection === 'string' && unknownConnection(sourceConnection)) {
    warnings.push(
      `source.connection: no saved connection named '${sourceConnection}' here; add it with 'loadstone connections add ${sourceConnection} <url>'`,
    );
  }
  // Its runs would load, and every alert would fail as channel_missing: say so now.
  const channels = (parsed as { alerts?: { channels?: string[] } }).alerts?.channels ?? [];
  const missing = channels.filter((c) => !store.alerts.getChannel(c));
  if (missing.length > 0) {
    warnings.push(
      `alerts.channels: no alert channel named ${missing.map((c) => `'${c}'`).join(', ')} here; add it with 'loadstone alerts add …' or its alerts are not sent`,
    );
  }
  // Secrets come from environment variables the job names: one not set here is likely missing
  // wherever the job runs from this data folder too.
  for (const ref of envReferences(raw)) {
    if (io.env[ref.name] === undefined) {
      warnings.push(
        `${ref.path}: the environment variable ${ref.name} is not set here; whatever runs the job (jobs run, the scheduler, the app) needs it set`,
      );
    }
  }
  const schedule = parsed.schedule;
  if (schedule && nextRunTime(schedule, new Date()) === null) {
    warnings.push(
      `schedule.cron: '${schedule.cron}' never falls due (in ${schedule.timezone}); the job never runs on it`,
    );
  }
  store.jobs.save(name, spec);
  for (const w of warnings) io.stderr.write(`loadstone: warning: ${terminalSafe(w)}\n`);
  io.stdout.write(`Imported job '${terminalSafe(name)}' from ${path}\n`);
  return EXIT.ok;
}

/** Every `{ "env": "NAME" }` in a spec, by its path (`source.auth.token`). */
function envReferences(value: unknown, path = ''): { path: string; name: string }[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => envReferences(item, `${path}[${i}]`));
  if (!isRecord(value)) return [];
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === 'env' && typeof value.env === 'string')
    return [{ path, name: value.env }];
  return keys.flatMap((key) => envReferences(value[key], path === '' ? key : `${path}.${key}`));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
