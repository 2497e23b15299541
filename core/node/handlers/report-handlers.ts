import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LoadstoneError } from '../../common/errors.ts';
import { exportReport } from '../store/index.ts';
import type { HandlerContext } from './context.ts';
import { checkedPath } from './paths.ts';
import type { Handlers } from './types.ts';

type ReportHandlers = Pick<
  Handlers,
  'runs.list' | 'runs.get' | 'reports.page' | 'reports.summary' | 'reports.export'
>;

/** runs.list/get and reports.*: what was loaded, and every row that was not. */
export function reportHandlers(ctx: HandlerContext): ReportHandlers {
  const { store } = ctx;
  return {
    async 'runs.list'({ status, limit }) {
      return store.runs.list(status ? { status, limit } : { limit });
    },
    async 'runs.get'({ runId }) {
      const run = store.runs.get(runId);
      if (!run) throw new LoadstoneError('NOT_FOUND', `no run '${runId}'`, { details: { runId } });
      return run;
    },
    async 'reports.page'({ runId, stage, column, reason, offset, limit }) {
      return store.reports.page(runId, { stage, column, reason, offset, limit });
    },
    async 'reports.summary'({ runId }) {
      return store.reports.summary(runId);
    },
    async 'reports.export'({ runId, format, path }) {
      const file = await writableFile(path);
      const result = await exportReport(store, runId, format, file);
      return { rows: result.rows, path: result.path ?? file };
    },
  };
}

/**
 * Where an export may be written: an absolute path whose folder exists and which is not itself a
 * folder. (The file is written under a temporary name and renamed, so a failed export leaves nothing.)
 */
async function writableFile(path: string): Promise<string> {
  const file = checkedPath(path, 'path', 'BAD_USAGE');
  const parent = await stat(dirname(file)).catch(() => null);
  if (!parent?.isDirectory()) {
    throw issue(`the folder ${dirname(file)} does not exist`);
  }
  const existing = await stat(file).catch(() => null);
  if (existing?.isDirectory()) throw issue(`${file} is a folder; choose a file name`);
  return file;
}

function issue(message: string): LoadstoneError {
  return new LoadstoneError('BAD_USAGE', message, { details: { issues: [{ path: 'path', message }] } });
}
