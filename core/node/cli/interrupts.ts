import { writeSync } from 'node:fs';
import { EXIT } from './exit-codes.ts';

/**
 * What a command says and does when the operator interrupts it (Ctrl-C: SIGINT, or SIGTERM) while a
 * piece of it runs (see `Interrupts.during`).
 */
export interface Interruption {
  /** The first signal, before the command's `signal` aborts: what stopping cleanly does. */
  first(again: string): string;
  /**
   * The second signal: done (synchronously: nothing after it runs) and said just before the
   * process exits with EXIT.cancelled, without waiting for the clean stop.
   */
  forced(again: string): string;
}

/** Sets what interruptions say and do while a piece of a command runs. */
export interface Interrupts {
  /** `interruption` applies until the returned function is called. */
  during(interruption: Interruption): () => void;
}

/** The signals a command stops on. */
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * The process's interruptions, for one command: the first SIGINT or SIGTERM says what stopping does
 * (when the command set an `Interruption`) and aborts `controller`, so the command stops cleanly (a
 * load cancels its statement and rolls back); the second does what the command must do before it
 * goes (`forced`), says so and exits at once with EXIT.cancelled (130) — before, it exited by the
 * signal without a word, leaving the operator to guess what the target and the run were left as.
 * `stop` removes the listeners (Node's own handling applies again).
 */
export function listenForInterrupts(
  controller: AbortController,
  stderr: NodeJS.WritableStream & { isTTY?: boolean },
): { readonly interrupts: Interrupts; stop(): void } {
  let current: Interruption | null = null;
  let received = 0;
  // Off the progress line a terminal shows, then one message.
  const say = (text: string) => `${stderr.isTTY ? '\n' : ''}${text}\n`;
  const onSignal = (signal: NodeJS.Signals) => {
    received += 1;
    const again = signal === 'SIGINT' ? 'Ctrl-C' : signal;
    if (received === 1) {
      if (current) stderr.write(say(current.first(again)));
      controller.abort();
      return;
    }
    const text = say(current?.forced(again) ?? `loadstone: forced exit (a second ${again}).`);
    // Synchronously: nothing else may run before the exit (the command is still at work).
    if (stderr === process.stderr) writeSync(2, text);
    else stderr.write(text);
    process.exit(EXIT.cancelled);
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  return {
    interrupts: {
      during(interruption) {
        current = interruption;
        return () => {
          if (current === interruption) current = null;
        };
      },
    },
    stop() {
      for (const s of SIGNALS) process.off(s, onSignal);
    },
  };
}
