import type { Interrupts } from './interrupts.ts';

/** What a CLI command may touch of its process: streams, environment, working folder. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Aborted on SIGINT/SIGTERM. */
  readonly signal: AbortSignal;
  /**
   * What a second SIGINT/SIGTERM (which exits at once) and the first say and do while a piece of the
   * command runs (a load); absent when the caller stands for the signals (tests).
   */
  readonly interrupts?: Interrupts;
}

/** A CLI command: parses its own arguments and returns the process exit code. */
export type CliCommand = (args: string[], io: CliIo) => Promise<number>;
