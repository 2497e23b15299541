import { setFlagsFromString } from 'node:v8';

/**
 * Tunes V8's heap for streaming loads. A load allocates fast and keeps little alive (one chunk of
 * rows), but V8's default heap growing lets the old space reach about four times the live size
 * before a full GC: ~300 MB peak RSS on a 1M-row load for ~40 MB live (2026-11-27). Growing by 150%
 * at a time keeps the peak near 200 MB. This is only the growth step, not a limit: the heap still
 * grows as far as it needs, so large inputs cannot run out of memory because of it.
 *
 * Not less than ~120%: V8 starts a full GC's marking as soon as the old space's room left is under
 * the young generation's capacity (32 MB once a load runs), and the room after a GC is about
 * live × (growth − 1) + 16 MB. A load whose rows go as COPY text keeps ~15 MB alive; at 50% its room
 * was 24 MB, so marking started again right after every full GC: 30 mark-compacts on the bench's 1M
 * API orders, ~1.6 s of the GC's helper threads' CPU on a two-core machine (2026-12-07). At 150%:
 * 7–10 mark-compacts, ~0.5 s less CPU per load, peak RSS +10–30 MB.
 * Call once, at the top of a process that runs loads (CLI, browser host, Electron's engine process).
 */
export function tuneHeapForLoads(): void {
  setFlagsFromString('--heap-growing-percent=150');
}
