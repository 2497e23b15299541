/** What a CLI command may touch of its process: streams, environment, working folder. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Aborted on SIGINT/SIGTERM. */
  readonly signal: AbortSignal;
}

/** A CLI command: parses its own arguments and returns the process exit code. */
export type CliCommand = (args: string[], io: CliIo) => Promise<number>;
