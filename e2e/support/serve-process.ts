import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is e2e/support/serve-process.ts). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A running `npm run serve` process. */
export interface ServeProcess {
  /** The URL it printed, with the launch token in the fragment. */
  readonly url: string;
  readonly origin: string;
  /** Everything it wrote on stderr so far (shown when a test fails). */
  log(): string;
  /** SIGTERM, then wait for the host to cancel loads and stop the local warehouse. */
  stop(): Promise<void>;
}

/**
 * Starts the browser host exactly as an operator does (`core/node/host/main.ts`, the `npm run serve`
 * entry) on a free port with its own data folder and a secret-key file, so saved connection passwords
 * work. Resolves once it prints its URL.
 */
export async function startServe(opts: { dataDir: string; rendererDir?: string }): Promise<ServeProcess> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(REPO_ROOT, 'core/node/host/main.ts'),
      '--port',
      '0',
      '--data-dir',
      opts.dataDir,
      '--secret-key-file',
      path.join(opts.dataDir, 'e2e-secret.key'),
      '--renderer',
      opts.rendererDir ?? path.join(REPO_ROOT, 'dist/renderer'),
    ],
    { cwd: REPO_ROOT, env: { ...process.env, NODE_ENV: 'test' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const onExit = (code: number | null) =>
      reject(new Error(`the host exited (code ${code}) before printing its URL:\n${stderr}`));
    child.once('exit', onExit);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = /https?:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+/.exec(stdout);
      if (match) {
        child.off('exit', onExit);
        resolve(match[0]);
      }
    });
  });
  return { url, origin: new URL(url).origin, log: () => stderr, stop: () => stopChild(child) };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}
