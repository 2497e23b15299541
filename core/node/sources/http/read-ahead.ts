/**
 * Pulls `source` on its own, up to `ahead` values before the consumer, and hands them out in order:
 * the work of producing the next values (for an API: reading and parsing the next page, and so
 * requesting the one after it) goes on while the consumer is busy with earlier ones, instead of
 * starting only when it asks. A failure of `source` is thrown to the consumer after the values
 * produced before it. Ending early (`return`) stops pulling and closes `source` once its current
 * step settles.
 */
export function readAhead<T>(
  source: AsyncGenerator<T, void, undefined>,
  ahead: number,
): AsyncGenerator<T, void, undefined> {
  const queue: T[] = [];
  let failure: { error: unknown } | undefined;
  let done = false;
  let stopped = false;
  let pumping: Promise<void> | undefined;
  /** Wakes the consumer waiting for a value (or the end, or a failure). */
  let wakeConsumer: (() => void) | undefined;
  /** Wakes the pump waiting for room in the queue. */
  let wakePump: (() => void) | undefined;

  const pump = async (): Promise<void> => {
    try {
      while (!stopped) {
        if (queue.length >= ahead) {
          await new Promise<void>((resolve) => {
            wakePump = resolve;
          });
          continue;
        }
        const step = await source.next();
        if (step.done) break;
        queue.push(step.value);
        wakeConsumer?.();
      }
    } catch (error) {
      failure = { error };
    } finally {
      done = true;
      wakeConsumer?.();
    }
  };

  /** Never waits on a step that may be stuck in a read: `source` is closed once that step settles. */
  const stop = (): void => {
    stopped = true;
    wakePump?.();
    void (pumping ?? Promise.resolve()).then(() => source.return(undefined)).catch(() => undefined);
  };

  async function* consume(): AsyncGenerator<T, void, undefined> {
    pumping = pump();
    try {
      for (;;) {
        if (queue.length > 0) {
          const value = queue.shift() as T;
          wakePump?.();
          wakePump = undefined;
          yield value;
          continue;
        }
        if (done) {
          if (failure) throw failure.error;
          return;
        }
        await new Promise<void>((resolve) => {
          wakeConsumer = resolve;
        });
        wakeConsumer = undefined;
      }
    } finally {
      stop();
    }
  }
  return consume();
}
