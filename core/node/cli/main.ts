import { isLoadstoneError } from '../../common/errors.ts';
import { alertsCommand } from './alerts-command.ts';
import { cliWording } from './cli-words.ts';
import { connectionsCommand } from './connections-command.ts';
import { errorsCommand } from './errors-command.ts';
import { EXIT, exitCodeFor } from './exit-codes.ts';
import { listenForInterrupts } from './interrupts.ts';
import type { CliCommand, CliIo } from './io.ts';
import { jobsCommand } from './jobs-command.ts';
import { loadCommand } from './load-command.ts';
import { previewCommand } from './preview-command.ts';
import { runsCommand } from './runs-command.ts';
import { schedulerCommand } from './scheduler-command.ts';

const USAGE = `Usage: loadstone <command> [options]

Commands:
  preview <file>   Show how a file's first rows will be read and normalized
  load <file>      Load a file into PostgreSQL (--table name; --target URL|name|local)
  runs [<runId>]   List recent runs with status and counts, or show one run
  errors <runId>   Show, summarise (--summary) or export (--export out.csv) a run's rejected rows
  connections      Add, list, remove or test saved PostgreSQL connections
  alerts           Add, list, remove or test alert channels (webhook, Slack, Telegram, desktop)
  jobs             List, show, run, export, import or remove saved jobs
  scheduler        Run saved jobs on their schedules, in the foreground, until SIGTERM
  help             Show this help

Run 'loadstone <command> --help' for a command's options.`;

const COMMANDS: Record<string, CliCommand> = {
  preview: previewCommand,
  load: loadCommand,
  runs: runsCommand,
  errors: errorsCommand,
  connections: connectionsCommand,
  alerts: alertsCommand,
  jobs: jobsCommand,
  scheduler: schedulerCommand,
};

/** Writes a one-line error on stderr and returns the exit code that fits it. */
export function reportCliError(error: unknown, io: CliIo): number {
  if (isLoadstoneError(error)) {
    io.stderr.write(`loadstone: ${cliWording(error.message)}\n`);
    return exitCodeFor(error.code);
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`loadstone: unexpected error: ${message}\n`);
  return EXIT.failure;
}

/** Runs one CLI invocation and returns its exit code. Never throws. */
export async function main(argv: string[], io?: Partial<CliIo>): Promise<number> {
  const controller = new AbortController();
  const stderr = io?.stderr ?? process.stderr;
  // The process's own signals, unless the caller stands for them (tests give `signal`).
  const listening = io?.signal ? null : listenForInterrupts(controller, stderr);
  const full: CliIo = {
    stdout: io?.stdout ?? process.stdout,
    stderr,
    env: io?.env ?? process.env,
    cwd: io?.cwd ?? process.cwd(),
    signal: io?.signal ?? controller.signal,
    ...(listening ? { interrupts: listening.interrupts } : {}),
  };
  try {
    const [name, ...rest] = argv;
    if (!name || name === 'help' || name === '--help' || name === '-h') {
      (name ? full.stdout : full.stderr).write(`${USAGE}\n`);
      return name ? EXIT.ok : EXIT.usage;
    }
    const command = COMMANDS[name];
    if (!command) {
      full.stderr.write(`loadstone: unknown command '${name}'\n${USAGE}\n`);
      return EXIT.usage;
    }
    return await command(rest, full);
  } catch (error) {
    return reportCliError(error, full);
  } finally {
    listening?.stop();
  }
}
