// Test support for the CLI's tests: runs `loadstone` in this process with its output captured.
import { captureStream } from '../store/test-fixtures/support.ts';
import { main } from './main.ts';

/** What one CLI invocation returned and printed. */
export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  /**
   * Warnings Node emitted while the command ran (`MaxListenersExceededWarning: …`): printed on the
   * operator's terminal outside the command's own output, so tests look at them here.
   */
  readonly warnings: readonly string[];
}

/** Where and how a CLI invocation runs. */
export interface CliRunOptions {
  /** The working folder relative paths are taken from. */
  readonly cwd: string;
  /** The whole environment the command sees (nothing of this process's). */
  readonly env?: NodeJS.ProcessEnv;
  /** Appended as `--data-dir DIR` when given. */
  readonly dataDir?: string;
  /** Stands for Ctrl-C: aborting it is what SIGINT does to the command (never aborted by default). */
  readonly signal?: AbortSignal;
}

/** Runs `loadstone <args>` in this process and captures stdout and stderr. */
export async function runCli(args: readonly string[], options: CliRunOptions): Promise<CliRun> {
  const stdout = captureStream();
  const stderr = captureStream();
  const argv = options.dataDir === undefined ? [...args] : [...args, '--data-dir', options.dataDir];
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
  process.on('warning', onWarning);
  try {
    const code = await main(argv, {
      stdout,
      stderr,
      env: options.env ?? {},
      cwd: options.cwd,
      signal: options.signal ?? new AbortController().signal,
    });
    // Node emits a warning on the next tick at the latest.
    await new Promise((resolve) => setImmediate(resolve));
    return { code, out: stdout.text(), err: stderr.text(), warnings };
  } finally {
    process.off('warning', onWarning);
  }
}
