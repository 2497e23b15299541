import { randomBytes } from 'node:crypto';
import { lstat, readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize, sep } from 'node:path';
import type { GrantedFileDto } from '../../common/contract/shared-schemas.ts';
import type { SourceRef } from '../../common/contract/source-ref.ts';
import { type ErrorCode, LoadstoneError } from '../../common/errors.ts';
import type { SourceSpec } from '../../common/spec/job-spec.ts';
import { isSqliteFile } from '../sources/sqlite/sqlite-header.ts';

/** Where uploads to the browser host are stored, under the data folder: `uploads/<random>/<name>`. */
export const UPLOADS_DIR = 'uploads';

/** Grants kept at most; the oldest read grants are forgotten first (a renderer asks again). */
const MAX_GRANTS = 10_000;

/**
 * Pseudo-file systems of the machine: their "files" (`/proc/self/environ`, `/dev/zero`) are the
 * engine's own memory and environment, or never end. Nobody loads data from them.
 */
const SYSTEM_ROOTS = process.platform === 'win32' ? [] : ['/proc', '/sys', '/dev'];

interface ReadGrant {
  readonly kind: 'read';
  readonly path: string;
  readonly name: string;
  readonly uploaded: boolean;
}

interface WriteGrant {
  readonly kind: 'write';
  readonly path: string;
  readonly name: string;
  readonly overwrite: boolean;
}

/** A file the engine may read for a granted handle, checked again when it is used. */
export interface ReadableFile {
  readonly path: string;
  readonly name: string;
  readonly uploaded: boolean;
}

/** Where an export may be written for a granted handle (used once). */
export interface WritableFile {
  readonly path: string;
  /** The operator confirmed replacing an existing file (the save dialog asked). */
  readonly overwrite: boolean;
}

/**
 * The engine's capabilities for files, shared by every transport: the renderer never names a path,
 * only an opaque handle that a transport granted for a file the operator picked (Electron's open or
 * save dialog, a dropped file, an upload to the browser host). Every grant and every use is checked
 * against the real path (symlinks resolved): nothing under the data folder (run store, keys, the
 * local warehouse and its password, `warehouse.location` and where it points, other uploads) and no
 * pseudo-file (`/proc`, `/sys`, `/dev`) is ever readable or writable through a handle; an upload
 * grant reaches exactly its own stored file. The CLI does not go through this: it reads what its
 * user types.
 */
export class FileGrants {
  readonly #grants = new Map<string, ReadGrant | WriteGrant>();

  /**
   * @param dataDir the engine's data folder (refused as a whole, uploads aside)
   * @param protectedPaths further files or folders never reachable (e.g. the host's secret key file)
   */
  constructor(
    private readonly dataDir: string,
    private readonly protectedPaths: readonly string[] = [],
  ) {}

  /**
   * Grants reading a file the operator picked. `uploaded` marks a file the browser host stored in
   * the uploads folder (allowed there, and only that file); `name` is what the operator sees
   * (the upload's original file name), default the file's own name.
   * @throws LoadstoneError SOURCE_NOT_FOUND, FORBIDDEN_PATH (data folder, pseudo-file, not a regular file), BAD_USAGE
   */
  async grantRead(
    path: string,
    options: { name?: string; uploaded?: boolean } = {},
  ): Promise<GrantedFileDto> {
    const checked = await this.#checkReadable(absolute(path, 'path'), options.uploaded ?? false);
    const handle = this.#add({
      kind: 'read',
      path: checked.path,
      name: displayName(options.name ?? basename(checked.path)),
      uploaded: options.uploaded ?? false,
    });
    const grant = this.#grants.get(handle) as ReadGrant;
    return {
      handle,
      name: grant.name,
      sizeBytes: checked.size,
      uploaded: grant.uploaded,
      ...(isSqliteFile(checked.path) ? { sqlite: true } : {}),
    };
  }

  /**
   * Grants one export to a path the operator chose in a save dialog. `overwrite` says the operator
   * confirmed replacing the file that is there (without it an existing file is never replaced).
   * @throws LoadstoneError BAD_USAGE (no such folder, a folder named), FORBIDDEN_PATH (data folder, pseudo-file)
   */
  async grantWrite(path: string, options: { overwrite: boolean }): Promise<{ handle: string; name: string }> {
    const file = await this.#checkWritable(absolute(path, 'path'));
    const name = displayName(basename(file));
    return { handle: this.#add({ kind: 'write', path: file, name, overwrite: options.overwrite }), name };
  }

  /**
   * The file behind a read handle, checked again (a symlink may have been swapped since the grant).
   * @throws LoadstoneError FILE_NOT_GRANTED (unknown handle, or a write handle), SOURCE_NOT_FOUND, FORBIDDEN_PATH
   */
  async readable(handle: string, where = 'handle'): Promise<ReadableFile> {
    const grant = this.#grants.get(handle);
    if (grant?.kind !== 'read') throw notGranted(where, 'read');
    await this.#checkReadable(grant.path, grant.uploaded);
    return { path: grant.path, name: grant.name, uploaded: grant.uploaded };
  }

  /**
   * A source as the engine reads it: for a file or SQLite source named by a handle, the granted path
   * in place of the handle (and the file); a database source by connection is taken as it is.
   * @throws LoadstoneError as `readable`
   */
  async source(
    ref: SourceRef,
    where = 'source.handle',
  ): Promise<{ spec: SourceSpec; file: ReadableFile | null }> {
    if (!('handle' in ref)) return { spec: ref, file: null };
    const { handle, ...options } = ref;
    const file = await this.readable(handle, where);
    return { spec: { ...options, path: file.path } as SourceSpec, file };
  }

  /**
   * Takes a write handle (it is used once) and checks its path again.
   * @throws LoadstoneError FILE_NOT_GRANTED, FORBIDDEN_PATH, BAD_USAGE
   */
  async takeWritable(handle: string, where = 'file'): Promise<WritableFile> {
    const grant = this.#grants.get(handle);
    if (grant?.kind !== 'write') throw notGranted(where, 'write');
    this.#grants.delete(handle);
    const path = await this.#checkWritable(grant.path);
    return { path, overwrite: grant.overwrite };
  }

  /**
   * Checks a path the engine itself trusts (a saved job's source, saved by a granted call or by the
   * CLI) against the same rules, so a job cannot reach the data folder either.
   * @returns whether the file is a browser-host upload (in the uploads folder)
   * @throws LoadstoneError SOURCE_NOT_FOUND, FORBIDDEN_PATH
   */
  async checkStoredSource(path: string): Promise<{ uploaded: boolean; sizeBytes: number }> {
    const file = absolute(path, 'source.path');
    const uploaded = await this.isUpload(file);
    const checked = await this.#checkReadable(file, uploaded);
    return { uploaded, sizeBytes: checked.size };
  }

  /** Whether `path` is a file in the browser host's uploads folder (by its real path). */
  async isUpload(path: string): Promise<boolean> {
    const real = await realpath(path).catch(() => null);
    const uploads = await realpath(join(this.dataDir, UPLOADS_DIR)).catch(() => null);
    return real !== null && uploads !== null && dirname(dirname(real)) === uploads;
  }

  #add(grant: ReadGrant | WriteGrant): string {
    if (this.#grants.size >= MAX_GRANTS) {
      const oldest = this.#grants.keys().next().value;
      if (oldest !== undefined) this.#grants.delete(oldest);
    }
    const handle = `${grant.kind === 'read' ? 'f' : 'w'}_${randomBytes(18).toString('base64url')}`;
    this.#grants.set(handle, grant);
    return handle;
  }

  async #checkReadable(path: string, uploaded: boolean): Promise<{ path: string; size: number }> {
    let real: string;
    try {
      real = await realpath(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR')
        throw new LoadstoneError('SOURCE_NOT_FOUND', `${path}: no such file`);
      throw new LoadstoneError('SOURCE_UNREADABLE', `${path}: cannot read (${code ?? 'error'})`);
    }
    await this.#refuseProtected(path, real, uploaded);
    const info = await stat(real);
    if (!info.isFile())
      throw forbidden(path, info.isDirectory() ? 'is a folder, not a file' : 'is not a regular file');
    return { path, size: info.size };
  }

  async #checkWritable(path: string): Promise<string> {
    const folder = await realpath(dirname(path)).catch(() => null);
    if (folder === null || !(await stat(folder)).isDirectory()) {
      throw usage(`the folder ${dirname(path)} does not exist`);
    }
    const file = join(folder, basename(path));
    const existing = await lstat(file).catch(() => null);
    // A link is judged by where it leads (the export replaces the link, but never mind a link into the store).
    const real = existing?.isSymbolicLink() ? await realpath(file).catch(() => file) : file;
    await this.#refuseProtected(path, real, false);
    await this.#refuseProtected(path, file, false);
    if (existing?.isDirectory()) throw usage(`${path} is a folder; choose a file name`);
    return file;
  }

  async #refuseProtected(shown: string, real: string, uploaded: boolean): Promise<void> {
    for (const root of SYSTEM_ROOTS) {
      if (isInside(real, root)) throw forbidden(shown, 'is a system file, not data');
    }
    const data = await realpath(this.dataDir).catch(() => normalize(this.dataDir));
    if (isInside(real, data)) {
      const uploads = join(data, UPLOADS_DIR);
      // An upload grant reaches its own stored file; nothing else in the data folder, other uploads included.
      if (!(uploaded && dirname(dirname(real)) === uploads)) {
        throw forbidden(shown, "is in Loadstone's data folder");
      }
    }
    for (const root of await this.#otherRoots()) {
      if (isInside(real, root)) throw forbidden(shown, "is one of Loadstone's own files");
    }
  }

  /** The warehouse cluster kept outside the data folder (as root), and the extra protected paths. */
  async #otherRoots(): Promise<string[]> {
    const roots: string[] = [];
    const location = await readFile(join(this.dataDir, 'warehouse.location'), 'utf8').catch(() => null);
    if (location?.trim()) roots.push(dirname(location.trim()));
    roots.push(...this.protectedPaths);
    return Promise.all(roots.map((r) => realpath(r).catch(() => normalize(r))));
  }
}

function isInside(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

function absolute(path: string, where: string): string {
  if (path.includes('\0')) throw usage(`${where} must not contain a NUL character`, where);
  if (!isAbsolute(path)) throw usage(`${where} must be an absolute path`, where);
  return normalize(path);
}

/** A display name: one line, at most 200 characters. */
function displayName(name: string): string {
  const line = name.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
  return (line === '' ? 'file' : line).slice(0, 200);
}

function notGranted(where: string, kind: 'read' | 'write'): LoadstoneError {
  const message =
    kind === 'read'
      ? 'this file was not chosen in this session (or the engine restarted since): choose or upload it again'
      : 'this export was not chosen in a save dialog (or was already written): export again';
  return error('FILE_NOT_GRANTED', `${where}: ${message}`, where);
}

function forbidden(path: string, why: string): LoadstoneError {
  return error('FORBIDDEN_PATH', `${path} ${why}; Loadstone does not read or write it for the UI`, 'path');
}

function usage(message: string, where = 'path'): LoadstoneError {
  return error('BAD_USAGE', message, where);
}

function error(code: ErrorCode, message: string, where: string): LoadstoneError {
  return new LoadstoneError(code, message, { details: { issues: [{ path: where, message }] } });
}
