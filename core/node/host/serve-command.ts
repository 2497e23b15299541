import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { LoadstoneError } from '../../common/errors.ts';
import { intOption, parseCliArgs } from '../cli/args.ts';
import { EXIT } from '../cli/exit-codes.ts';
import type { CliCommand } from '../cli/io.ts';
import { reportCliError } from '../cli/main.ts';
import { createStreamLogger } from '../handlers/logger.ts';
import { packageRoot } from '../runtime/package-root.ts';
import { resolveDataDir } from '../store/index.ts';
import { ChildEngine } from './child-engine.ts';
import { startBrowserHost } from './host.ts';
import { keyFileSecretStore } from './secret-key-file.ts';

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

  const secretKeyFile = values['secret-key-file'] ? resolve(io.cwd, values['secret-key-file']) : undefined;
  // Checked (or created) here so a bad key file is a usage error before anything starts.
  if (secretKeyFile) await keyFileSecretStore(secretKeyFile);
  // The engine runs in a child process, as Electron runs it in a utility process: a file that kills
  // the engine does not kill the host (the engine restarts; calls in flight fail with engine_crashed).
  let fatal: string | null = null;
  const stopped = new AbortController();
  const engine = await ChildEngine.start({
    dataDir,
    version: await appVersion(),
    log,
    env: io.env,
    ...(secretKeyFile ? { secretKeyFile } : {}),
    onFatal: (message) => {
      fatal = message;
      stopped.abort();
    },
  }).catch((error: unknown) => {
    throw new LoadstoneError('STORE_UNAVAILABLE', error instanceof Error ? error.message : String(error));
  });
  try {
    const host = await startBrowserHost({ engine, rendererDir: hasRenderer ? rendererDir : null, port });
    io.stdout.write(`Loadstone is running at ${host.url}\n`);
    io.stderr.write(`Data folder: ${dataDir}\nPress Ctrl+C to stop.\n`);
    await new Promise<void>((done) => {
      const signal = AbortSignal.any([io.signal, stopped.signal]);
      if (signal.aborted) done();
      else signal.addEventListener('abort', () => done(), { once: true });
    });
    io.stderr.write(fatal ? `${fatal}\n` : 'Stopping: cancelling running loads…\n');
    await host.close();
  } finally {
    await engine.close();
  }
  if (fatal) return EXIT.failure;
  return EXIT.ok;
};

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
