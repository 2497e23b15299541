import { useSyncExternalStore } from 'react';
import type { EventPayload, LoadProgressDto } from '../../core/common/contract/index.ts';

/** What the push events told us about one run. */
export interface RunLive {
  readonly progress?: LoadProgressDto;
  readonly finished?: EventPayload<'load.finished'>;
}

/**
 * Latest `load.progress` / `load.finished` per run. Events are recorded from app start, so a short
 * run that finishes before `loads.start` has even replied is not missed by the screen that waits for it.
 */
export class RunEventStore {
  private readonly runs = new Map<string, RunLive>();
  private readonly listeners = new Set<() => void>();

  /** Records a progress event. */
  progress(payload: LoadProgressDto): void {
    const prev = this.runs.get(payload.runId);
    if (prev?.finished) return; // a late progress event must not resurrect a finished run
    this.runs.set(payload.runId, { ...prev, progress: payload });
    this.emit();
  }

  /** Records the end of a run. */
  finished(payload: EventPayload<'load.finished'>): void {
    this.runs.set(payload.runId, { ...this.runs.get(payload.runId), finished: payload });
    this.emit();
  }

  /** The latest state of a run, or undefined when no event arrived for it. */
  get(runId: string): RunLive | undefined {
    return this.runs.get(runId);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  private emit(): void {
    for (const l of this.listeners) l();
  }
}

/** Subscribes a component to one run's live state. */
export function useRunLive(store: RunEventStore, runId: string | null): RunLive | undefined {
  return useSyncExternalStore(store.subscribe, () => (runId ? store.get(runId) : undefined));
}
