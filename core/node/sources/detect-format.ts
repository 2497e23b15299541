import type { SourceKind } from '../../common/spec/job-spec.ts';

/** A file's format as told by its name or its first bytes. */
export interface FormatGuess {
  kind: SourceKind;
  /** Delimiter the file name implies (`.tsv`/`.tab` → TAB, `.psv` → `|`); detection still checks it. */
  delimiter?: string;
  /** What decided: the spec, the file extension or the content. */
  by: 'spec' | 'extension' | 'content';
}

const BY_EXTENSION: Record<string, Omit<FormatGuess, 'by'>> = {
  csv: { kind: 'csv' },
  txt: { kind: 'csv' },
  tsv: { kind: 'tsv', delimiter: '\t' },
  tab: { kind: 'tsv', delimiter: '\t' },
  psv: { kind: 'csv', delimiter: '|' },
  json: { kind: 'json' },
  ndjson: { kind: 'ndjson' },
  jsonl: { kind: 'ndjson' },
  xlsx: { kind: 'xlsx' },
};

const EXTENSION = /\.([a-z0-9]+)(?:\.gz)?$/i;

/**
 * Guesses the format of a file: by extension (`.csv` `.tsv` `.tab` `.txt` `.psv` `.json`
 * `.ndjson` `.jsonl` `.xlsx`, each optionally followed by `.gz`), else by content: a zip
 * (`PK\x03\x04`) is XLSX, text starting with `[` is JSON, with `{` NDJSON, anything else
 * delimited text (`csv`; the delimited source reports `tsv` when the delimiter is a tab).
 * Two names are often given to JSON Lines, and are read by content: a `.txt` that starts with `[`
 * or `{` (logs, exports), and a `.json` whose first line is a whole JSON object followed by a line
 * starting with `{` (`mongoexport`'s and many tools' "JSON"); a pretty-printed object's first line
 * (`{` alone) is not one, so such a file stays JSON.
 * @param path file path (only its name is looked at)
 * @param head the first (decompressed) bytes of the file
 */
export function detectFormat(path: string, head: Uint8Array): FormatGuess {
  const ext = EXTENSION.exec(path)?.[1]?.toLowerCase();
  const known = ext === undefined ? undefined : BY_EXTENSION[ext];
  if (ext === 'txt') {
    const kind = kindByContent(head);
    if (kind === 'json' || kind === 'ndjson') return { kind, by: 'content' };
  }
  if (ext === 'json' && isJsonLines(head)) return { kind: 'ndjson', by: 'content' };
  if (known) return { ...known, by: 'extension' };
  return { kind: kindByContent(head), by: 'content' };
}

/**
 * True when the head's first line is a whole JSON object and the next non-blank line starts with
 * `{`: one object per line. Undecided (false) when the head does not hold two lines.
 */
function isJsonLines(head: Uint8Array): boolean {
  let start = 0;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) start = 3;
  const firstEnd = head.indexOf(0x0a, start);
  if (firstEnd < 0) return false;
  const first = new TextDecoder('utf-8', { fatal: false }).decode(head.subarray(start, firstEnd)).trim();
  if (!first.startsWith('{')) return false;
  let i = firstEnd + 1;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d))
    i++;
  if (i >= head.length || head[i] !== 0x7b) return false;
  try {
    const value: unknown = JSON.parse(first);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

function kindByContent(head: Uint8Array): SourceKind {
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) return 'xlsx';
  let i = 0;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) i = 3;
  else if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) i = 2;
  // Skip blanks, and the NUL halves of UTF-16 code units.
  for (; i < head.length; i++) {
    const b = head[i];
    if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0x00) continue;
    if (b === 0x5b) return 'json';
    if (b === 0x7b) return 'ndjson';
    break;
  }
  return 'csv';
}
