import type { LoadProgressDto } from '../../common/contract/shared-schemas.ts';

/** A one-line live progress bar for a terminal (redrawn in place with `\r`). */
export function createProgressLine(out: NodeJS.WritableStream & { columns?: number }) {
  let shown = false;
  const n = (x: number) => x.toLocaleString('en-US');
  return {
    update(p: LoadProgressDto): void {
      const fraction = p.totalBytes && p.bytesRead !== null ? Math.min(1, p.bytesRead / p.totalBytes) : null;
      const width = 24;
      const bar =
        fraction === null
          ? ''
          : `[${'#'.repeat(Math.round(fraction * width)).padEnd(width, '-')}] ${Math.floor(fraction * 100)}% `;
      const eta = p.etaSeconds === null ? '' : ` · ETA ${Math.ceil(p.etaSeconds)} s`;
      const text = `${bar}${n(p.rowsRead)} rows · ${n(Math.round(p.rowsPerSecond))} rows/s · ${n(p.loaded)} loaded · ${n(p.rejected)} rejected${eta} · ${p.phase}`;
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
