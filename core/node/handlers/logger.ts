import { scrubSecrets } from './scrub.ts';

/** Where the engine writes its diagnostics. Messages must never hold secrets or URLs with tokens. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** A logger that writes one line per message on `stream`, with secrets scrubbed as a last line of defence. */
export function createStreamLogger(stream: NodeJS.WritableStream, prefix = 'loadstone'): Logger {
  const write = (level: string, message: string) => {
    stream.write(`${new Date().toISOString()} ${prefix} ${level}: ${scrubSecrets(message)}\n`);
  };
  return {
    info: (m) => write('info', m),
    warn: (m) => write('warn', m),
    error: (m) => write('error', m),
  };
}
