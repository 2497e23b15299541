import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { LoadstoneError } from '../../common/errors.ts';
import { intOption, parseCliArgs } from '../cli/args.ts';
import { EXIT } from '../cli/exit-codes.ts';
import type { CliCommand } from '../cli/io.ts';
import { reportCliError } from '../cli/main.ts';
import { openEngine } from '../handlers/engine.ts';
import { createStreamLogger } from '../handlers/logger.ts';
import { packageRoot } from '../runtime/package-root.ts';
import { KeyedSecretStore, NoSecretStore, resolveDataDir, type SecretStore } from '../store/index.ts';
import { startBrowserHost } from './host.ts';

const USAGE = `Usage: npm run serve -- [options]

Runs Loadstone in your browser: the engine behind an HTTP server on 127.0.0.1 only, serving the UI.
Open the printed URL (it holds this launch's access token).

Options:
  --port <n>               TCP port (default: a free one)
  --data-dir <dir>         Data folder (default: LOADSTONE_HOME or the platform's per-user data folder)
  --renderer <dir>         Built UI to serve (default: dist/renderer; build it with 'npm run build:renderer')
  --secret-key-file <file> Encrypt saved connection passwords with the 32-byte key in <file>
                           (created, mode 0600, when missing). Without it, as in the CLI, passwords are
                           never saved: use PGPASSWORD or ~/.pgpass. The key protects the passwords only as
                           well as the file's permissions do; the desktop app uses the OS keychain instead.
  -h, --help               Show this help`;

/** `npm run serve`: opens the engine and the browser host, prints the URL, runs until SIGINT/SIGTERM. */
export const serveCommand: CliCommand = async (args, io) => {
  const { values } = parseCliArgs(
    args,
    {
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      renderer: { type: 'string' },
      'secret-key-file': { type: 'string' },
    },
    USAGE,
  );
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  const port = intOption(values.port, 'port', 0);
  if (port !== undefined && port > 65535)
    throw new LoadstoneError('BAD_USAGE', '--port must be at most 65535');
  const dataDir = resolveDataDir({ dataDir: values['data-dir'], env: io.env, cwd: io.cwd });
  const log = createStreamLogger(io.stderr, 'loadstone-host');

  const rendererDir = resolve(io.cwd, values.renderer ?? join(packageRoot(), 'dist', 'renderer'));
  const hasRenderer = existsSync(join(rendererDir, 'index.html'));
  if (!hasRenderer)
    log.warn(`no built UI in ${rendererDir}; run 'npm run build:renderer' (the API works without it)`);

  const secretStore = values['secret-key-file']
    ? await keyFileSecretStore(resolve(io.cwd, values['secret-key-file']))
    : new NoSecretStore();
  const engine = await openEngine({
    dataDir,
    secretStore,
    transport: 'http',
    version: await appVersion(),
    log,
    env: io.env,
  });
  try {
    const host = await startBrowserHost({ engine, rendererDir: hasRenderer ? rendererDir : null, port });
    io.stdout.write(`Loadstone is running at ${host.url}\n`);
    io.stderr.write(`Data folder: ${dataDir}\nPress Ctrl+C to stop.\n`);
    await new Promise<void>((done) => {
      if (io.signal.aborted) done();
      else io.signal.addEventListener('abort', () => done(), { once: true });
    });
    io.stderr.write('Stopping: cancelling running loads…\n');
    await host.close();
  } finally {
    await engine.close();
  }
  return EXIT.ok;
};

/** A KeyedSecretStore whose key lives in `file` (32 random bytes, created with mode 0600 when missing). */
async function keyFileSecretStore(file: string): Promise<SecretStore> {
  let key: Buffer;
  try {
    key = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new LoadstoneError(
        'BAD_USAGE',
        `cannot read --secret-key-file ${file}: ${(error as Error).message}`,
      );
    }
    key = randomBytes(32);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, key, { mode: 0o600, flag: 'wx' });
  }
  if (key.length !== 32) {
    throw new LoadstoneError(
      'BAD_USAGE',
      `--secret-key-file ${file} must hold exactly 32 bytes, it has ${key.length}`,
    );
  }
  return new KeyedSecretStore(key);
}

async function appVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(packageRoot(), 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

/** Runs the serve command as a process: Ctrl+C / SIGTERM stop it cleanly. Returns the exit code. */
export async function runServe(argv: string[]): Promise<number> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const io = {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    signal: controller.signal,
  };
  try {
    return await serveCommand(argv, io);
  } catch (error) {
    return reportCliError(error, io);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
