import type { LoadProgressDto } from '../../common/contract/shared-schemas.ts';
import { progressFraction } from '../../common/progress.ts';

/** A one-line live progress bar for a terminal (redrawn in place with `\r`). */
export function createProgressLine(out: NodeJS.WritableStream & { columns?: number }) {
  let shown = false;
  const n = (x: number) => x.toLocaleString('en-US');
  return {
    update(p: LoadProgressDto): void {
      const fraction = progressFraction(p);
      const width = 24;
      const bar =
        fraction === null
          ? ''
          : `[${'#'.repeat(Math.round(fraction * width)).padEnd(width, '-')}] ${Math.floor(fraction * 100)}% `;
      const eta = p.etaSeconds === null ? '' : ` · ETA ${Math.ceil(p.etaSeconds)} s`;
      const of = p.estimatedRows ? ` of ~${n(p.estimatedRows)}` : '';
      const text = `${bar}${n(p.rowsRead)}${of} rows · ${n(Math.round(p.rowsPerSecond))} rows/s · ${n(p.loaded)} loaded · ${n(p.rejected)} rejected${eta} · ${p.phase}`;
      const max = (out.columns ?? 120) - 1;
      out.write(`\r${text.slice(0, max).padEnd(Math.min(max, text.length + 2))}`);
      shown = true;
    },
    done(): void {
      if (shown) out.write('\n');
      shown = false;
    },
  };
}
