import type { PreviewColumnDto, PreviewResultDto } from '../../../core/common/contract/index.ts';
import { formatCount } from '../../components/format.ts';
import { columnRejected } from './preview-counts.ts';

/**
 * Characters the header needs on its widest line: the name (and its warning sign), or the meta line
 * (type, "N bad", "← source"), so that no part of a header is cut while it fits the header cap of preview-grid.tsx.
 */
export function headerChars(result: PreviewResultDto, c: PreviewColumnDto): number {
  const name = c.name.length + (c.warnings.length > 0 ? 3 : 0);
  const bad = columnRejected(result, c.name);
  let meta = c.type.length + (c.declared ? 2 : 0);
  if (c.skip) meta += ' skipped'.length + 1;
  if (bad > 0) meta += ` ${formatCount(bad)} bad`.length + 1;
  if (c.source !== c.name) meta += ` ← ${c.source}`.length + 1;
  return Math.max(name, meta);
}

/** Whether a column matches the column search: its target name or source header contains the text. */
export function columnMatches(c: PreviewColumnDto, search: string): boolean {
  const q = search.trim().toLowerCase();
  return q === '' || c.name.toLowerCase().includes(q) || c.source.toLowerCase().includes(q);
}
