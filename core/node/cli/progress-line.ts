import type { LoadProgressDto } from '../../common/contract/shared-schemas.ts';
import { progressFraction } from '../../common/progress.ts';
import type { SourceRead } from '../sources/types.ts';

/** A one-line live progress bar for a terminal (redrawn in place with `\r`). */
export function createProgressLine(out: NodeJS.WritableStream & { columns?: number }) {
  let shown = false;
  /** Set by the run's first progress: from then on the run's own line is shown. */
  let running = false;
  const n = (x: number) => x.toLocaleString('en-US');
  const draw = (text: string) => {
    const max = (out.columns ?? 120) - 1;
    out.write(`\r${text.slice(0, max).padEnd(Math.min(max, text.length + 2))}`);
    shown = true;
  };
  return {
    /**
     * How far an HTTP API source has read its sample (before the run begins: a slow API's first
     * pages can take a minute); ignored once the run shows its own progress.
     */
    reading(read: SourceRead): void {
      if (running) return;
      draw(
        `Reading the API's sample: ${n(read.pages)} page${read.pages === 1 ? '' : 's'}, ${n(read.records)} record${read.records === 1 ? '' : 's'}…`,
      );
    },
    update(p: LoadProgressDto): void {
      running = true;
      const fraction = progressFraction(p);
      const width = 24;
      const bar =
        fraction === null
          ? ''
          : `[${'#'.repeat(Math.round(fraction * width)).padEnd(width, '-')}] ${Math.floor(fraction * 100)}% `;
      const eta = p.etaSeconds === null ? '' : ` · ETA ${Math.ceil(p.etaSeconds)} s`;
      const of = p.estimatedRows ? ` of ~${n(p.estimatedRows)}` : '';
      draw(
        `${bar}${n(p.rowsRead)}${of} rows · ${n(Math.round(p.rowsPerSecond))} rows/s · ${n(p.loaded)} loaded · ${n(p.rejected)} rejected${eta} · ${p.phase}`,
      );
    },
    done(): void {
      if (shown) out.write('\n');
      shown = false;
    },
  };
}
