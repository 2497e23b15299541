import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { LoadstoneError } from '../../common/errors.ts';
import { exportForFixing } from '../store/export-fixing.ts';
import { exportReport, type RunStore } from '../store/index.ts';
import type { ReportFilter, RunSummary } from '../store/types.ts';
import type { HandlerContext } from './context.ts';
import type { WritableFile } from './file-grants.ts';
import { sourceNaming } from './source-naming.ts';
import type { DownloadFormat, Handlers } from './types.ts';

type ReportHandlers = Pick<
  Handlers,
  | 'runs.list'
  | 'runs.get'
  | 'runs.events'
  | 'reports.page'
  | 'reports.summary'
  | 'reports.export'
  | 'reports.exportForFixing'
>;

/** runs.list/get and reports.*: what was loaded, and every row that was not. */
export function reportHandlers(ctx: HandlerContext): ReportHandlers {
  const { store } = ctx;
  const naming = sourceNaming(ctx.dataDir);
  const named = <R extends RunSummary>(r: R) => ({ ...r, ...naming(r.source) });
  const run = (runId: string) => {
    const found = store.runs.get(runId);
    if (!found) throw new LoadstoneError('NOT_FOUND', `no run '${runId}'`, { details: { runId } });
    return found;
  };
  return {
    async 'runs.list'({ status, limit }) {
      return store.runs.list(status ? { status, limit } : { limit }).map(named);
    },
    async 'runs.get'({ runId }) {
      return named(run(runId));
    },
    async 'runs.events'({ runId }) {
      run(runId);
      // Not `data`: details for the CLI's --json, not for the screen.
      return store.runs.events(runId).map((e) => ({ id: e.id, at: e.at, kind: e.kind, message: e.message }));
    },
    async 'reports.page'({ runId, stage, column, reason, text, offset, limit }) {
      return store.reports.page(runId, { stage, column, reason, text, offset, limit });
    },
    async 'reports.summary'({ runId }) {
      return store.reports.summary(runId);
    },
    async 'reports.export'({ runId, format, file, stage, column, reason, text }, { signal }) {
      const target = await ctx.grants.takeWritable(file, 'file');
      run(runId);
      const rows = await exportTo(store, runId, format, target, signal, { stage, column, reason, text });
      return { rows, path: target.path };
    },
    async 'reports.exportForFixing'({ runId, file, bom }, { signal }) {
      const target = await ctx.grants.takeWritable(file, 'file');
      run(runId);
      const rows = await exportTo(store, runId, bom ? 'fixing-bom' : 'fixing', target, signal);
      return { rows, path: target.path };
    },
  };
}

/**
 * Writes the report where the operator chose. A file the operator confirmed replacing is written
 * under a temporary name and renamed over it; otherwise the file is created exclusively (O_EXCL, no
 * symlink followed), so an existing file is never replaced, even one that appeared after the dialog.
 */
async function exportTo(
  store: RunStore,
  runId: string,
  format: DownloadFormat,
  target: WritableFile,
  signal: AbortSignal,
  filter: ReportFilter = {},
): Promise<number> {
  const write = (out: string | NodeJS.WritableStream) =>
    format === 'fixing' || format === 'fixing-bom'
      ? exportForFixing(store, runId, out, { bom: format === 'fixing-bom', signal })
      : exportReport(store, runId, format, out, { signal, filter });
  if (target.overwrite) return (await write(target.path)).rows;
  const out = createWriteStream(target.path, { flags: 'wx', mode: 0o600 });
  try {
    await once(out, 'open');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      const message = `${target.path} already exists; choose another name, or confirm replacing it in the save dialog`;
      throw new LoadstoneError('FILE_EXISTS', message, { details: { issues: [{ path: 'file', message }] } });
    }
    throw new LoadstoneError('BAD_USAGE', `cannot write ${target.path}: ${(error as Error).message}`);
  }
  try {
    const result = await write(out);
    out.end();
    await once(out, 'finish');
    return result.rows;
  } catch (error) {
    out.destroy();
    await rm(target.path, { force: true });
    throw error;
  }
}
