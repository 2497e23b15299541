/** What a running load is doing, in words, by its phase (the engine's `LoadProgress.phase`). */
const PHASES: Record<string, string> = {
  preparing: 'preparing',
  loading: 'loading rows',
  merging: 'merging rows',
  swapping: 'swapping in the new table',
  waiting_for_lock: "waiting for the table's lock",
  committing: 'committing',
  done: 'finishing',
};

/**
 * The running load's heading: what it is doing now ('Loading rows', 'Dry run · merging rows'),
 * each word once (it read 'Loading · loading'). An unknown phase is shown as the engine names it.
 */
export function phaseTitle(phase: string | undefined, dryRun: boolean): string {
  const words = phase === undefined ? 'starting' : (PHASES[phase] ?? phase.replace(/_/g, ' '));
  return dryRun ? `Dry run · ${words}` : words.charAt(0).toUpperCase() + words.slice(1);
}
