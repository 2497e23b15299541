import { isAbsolute, normalize } from 'node:path';
import { type ErrorCode, LoadstoneError } from '../../common/errors.ts';

/**
 * Checks a file path that came from the UI: absolute (a relative path would depend on where the
 * engine happens to run), no NUL byte, then normalised (`a/../b` → `b`).
 * @throws LoadstoneError `code` (SPEC_INVALID for a spec's path) with one issue at `where` (e.g. `spec.source.path`).
 */
export function checkedPath(path: string, where: string, code: ErrorCode = 'SPEC_INVALID'): string {
  const problem = path.includes('\0')
    ? 'must not contain a NUL character'
    : !isAbsolute(path)
      ? `must be an absolute path (got '${path.slice(0, 200)}')`
      : null;
  if (problem) {
    throw new LoadstoneError(code, `${where} ${problem}`, {
      details: { issues: [{ path: where, message: problem }] },
    });
  }
  return normalize(path);
}

/** A job or source spec with its source path checked and normalised (other fields untouched). */
export function withCheckedSource<T extends { source: { path: string } }>(
  spec: T,
  where = 'spec.source.path',
): T {
  return { ...spec, source: { ...spec.source, path: checkedPath(spec.source.path, where) } };
}
