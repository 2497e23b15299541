/** A rate limiter that always delivers the latest value. */
export interface Throttle<T> {
  /** Offers a value: emitted now if the interval has passed, else kept as the pending latest one. */
  push(value: T): void;
  /** Emits the pending value (if any) right away; call before a final event so order holds. */
  flush(): void;
  /** Drops the pending value and stops the timer. */
  cancel(): void;
}

/**
 * Emits at most one value per `intervalMs`, leading edge first and the latest pending value at the end of
 * each interval; intermediate values are dropped (progress is a snapshot, only the newest matters).
 */
export function createThrottle<T>(intervalMs: number, emit: (value: T) => void): Throttle<T> {
  let last = Number.NEGATIVE_INFINITY;
  let pending: { value: T } | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const fire = () => {
    timer = undefined;
    if (!pending) return;
    const { value } = pending;
    pending = undefined;
    last = Date.now();
    emit(value);
  };

  return {
    push(value) {
      pending = { value };
      if (timer) return;
      const wait = last + intervalMs - Date.now();
      if (wait <= 0) fire();
      else {
        timer = setTimeout(fire, wait);
        // A pending progress event must not keep a process alive.
        timer.unref?.();
      }
    },
    flush() {
      if (timer) clearTimeout(timer);
      fire();
    },
    cancel() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      pending = undefined;
    },
  };
}
