import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeRootCluster } from '../pg/test-server.ts';

// Issue 14, the container: no base image can be pulled here, so the image is never built. This runs
// what its ENTRYPOINT runs, as the image would: the files the Dockerfile copies, in a private folder
// made with mkdtemp (0700, as a clone in /root or a CI workspace), as root when the tests run as
// root, with the data folder given by LOADSTONE_HOME, loading into the `local` warehouse.

const repo = path.resolve(import.meta.dirname, '..', '..', '..');
const dockerfile = fs.readFileSync(path.join(repo, 'Dockerfile'), 'utf8');

/** The Dockerfile's instructions, one per logical line (no continuation lines are used). */
function instructions(name: string): string[] {
  return dockerfile
    .split('\n')
    .filter((line) => line.startsWith(`${name} `))
    .map((line) => line.slice(name.length + 1).trim());
}

const workdir = instructions('WORKDIR')[0]!;
const entrypoint = JSON.parse(instructions('ENTRYPOINT')[0]!) as string[];
const envHome = instructions('ENV')
  .map((e) => /^LOADSTONE_HOME=(\S+)$/.exec(e)?.[1])
  .find((v) => v !== undefined)!;

let root = '';
let app = '';
let home = '';

/** Runs the image's entry point with `args`, as `docker run -v <home>:/data loadstone <args>` would. */
function container(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const [program, ...rest] = entrypoint.map((part) => part.replace(workdir, app));
  expect(program).toBe('node');
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      [...rest, ...args],
      { cwd: app, env: { PATH: process.env.PATH, HOME: root, LOADSTONE_HOME: home } },
      (error, out, err) => resolve({ code: error ? Number((error as { code?: number }).code) : 0, out, err }),
    ),
  );
}

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'loadstone-image-'));
  expect(fs.statSync(root).mode & 0o777).toBe(0o700);
  app = path.join(root, workdir);
  home = path.join(root, envHome);
  fs.mkdirSync(app, { recursive: true });
  for (const copy of instructions('COPY')) {
    const parts = copy.split(/\s+/);
    const dest = parts.pop()!;
    for (const source of parts) {
      const into = dest.endsWith('/') ? path.join(app, dest, source) : path.join(app, dest);
      fs.cpSync(path.join(repo, source), into, { recursive: true });
    }
  }
  // `npm ci --omit=dev` stands as links to the repository's packages; the CLI's bundle cache is the
  // image's own.
  const modules = path.join(app, 'node_modules');
  fs.mkdirSync(modules);
  for (const entry of fs.readdirSync(path.join(repo, 'node_modules'))) {
    if (entry !== '.cache') fs.symlinkSync(path.join(repo, 'node_modules', entry), path.join(modules, entry));
  }
});

afterAll(() => {
  if (home) removeRootCluster(home);
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('the Dockerfile', () => {
  it('runs its entry point from a copy in the folder it names, with the CLI in exec form', () => {
    expect(entrypoint).toEqual(['node', `${workdir}/bin/loadstone.mjs`]);
    expect(JSON.parse(instructions('CMD')[0]!)).toEqual(['scheduler']);
    expect(instructions('VOLUME')).toEqual([`["${envHome}"]`]);
  });

  it('imports and runs a saved job into the local warehouse, as root from a 0700 folder', async () => {
    fs.mkdirSync(home, { mode: 0o700 });
    fs.writeFileSync(path.join(home, 'cities.csv'), 'city,population\nLyon,522250\nNantes,320732\n');
    fs.writeFileSync(
      path.join(home, 'cities.json'),
      JSON.stringify({ name: 'cities', source: { path: 'cities.csv' }, target: { table: 'cities' } }),
    );
    const imported = await container(['jobs', 'import', path.join(home, 'cities.json')]);
    expect([imported.code, imported.err]).toEqual([0, '']);
    const run = await container(['jobs', 'run', 'cities', '--json']);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.out)).toMatchObject({ status: 'succeeded', target: 'local', inserted: 2 });
    const again = await container(['jobs', 'run', 'cities', '--json']);
    expect([again.code, JSON.parse(again.out).inserted]).toEqual([0, 2]);
    const list = JSON.parse((await container(['jobs', 'list', '--json'])).out);
    expect(list[0]).toMatchObject({ name: 'cities', lastRun: { status: 'succeeded' }, running: false });
  }, 240_000);
});
