import { TextDecoder } from 'node:util';
import { LoadstoneError } from '../../common/errors.ts';
import type { Encoding } from '../../common/spec/job-spec.ts';
import { detectEncoding } from './encoding/detect-encoding.ts';

/** What Loadstone reads, for messages about files it cannot. */
export const SUPPORTED_KINDS =
  'Loadstone reads delimited text (CSV, TSV, ;- or |-separated), JSON, NDJSON and XLSX workbooks, each also gzipped';

/**
 * Share of control bytes above which a head is not text: NUL and the C0 controls that text files
 * do not hold (TAB, LF, VT, FF, CR, SUB and ESC are allowed). Text has next to none; binary data
 * has about one byte in eight.
 */
export const MAX_CONTROL_SHARE = 0.01;

interface Magic {
  readonly bytes: readonly (number | string)[];
  readonly what: string;
}

const PE_NOTE = 'a Windows executable (PE)';
const MAGICS: readonly Magic[] = [
  { bytes: [0x89, 'PNG', 0x0d, 0x0a, 0x1a, 0x0a], what: 'a PNG image' },
  { bytes: [0xff, 0xd8, 0xff], what: 'a JPEG image' },
  { bytes: ['GIF87a'], what: 'a GIF image' },
  { bytes: ['GIF89a'], what: 'a GIF image' },
  { bytes: ['%PDF-'], what: 'a PDF document' },
  { bytes: ['PK', 0x03, 0x04], what: 'a ZIP archive' },
  { bytes: ['PK', 0x05, 0x06], what: 'a ZIP archive' },
  { bytes: ['PK', 0x07, 0x08], what: 'a ZIP archive' },
  { bytes: [0x1f, 0x8b], what: 'gzip data inside the gzip file' },
  { bytes: [0x7f, 'ELF'], what: 'an executable (ELF)' },
  { bytes: [0xfe, 0xed, 0xfa, 0xce], what: 'an executable (Mach-O)' },
  { bytes: [0xfe, 0xed, 0xfa, 0xcf], what: 'an executable (Mach-O)' },
  { bytes: [0xce, 0xfa, 0xed, 0xfe], what: 'an executable (Mach-O)' },
  { bytes: [0xcf, 0xfa, 0xed, 0xfe], what: 'an executable (Mach-O)' },
  { bytes: [0xca, 0xfe, 0xba, 0xbe], what: 'an executable (Mach-O universal) or a Java class file' },
  {
    bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1],
    what: 'an old binary Office file such as an .xls workbook (save it as .xlsx or CSV)',
  },
  {
    bytes: ['SQLite format 3', 0x00],
    what: 'an SQLite database: read it as a database source, a table or a query of it',
  },
  { bytes: ['7z', 0xbc, 0xaf, 0x27, 0x1c], what: 'a 7-Zip archive' },
  { bytes: ['Rar!', 0x1a, 0x07], what: 'a RAR archive' },
  { bytes: [0xfd, '7zXZ', 0x00], what: 'xz-compressed data (only gzip is read)' },
  { bytes: [0x28, 0xb5, 0x2f, 0xfd], what: 'zstd-compressed data (only gzip is read)' },
];

/** The kind of binary file `head` starts like (a magic number), if any. */
export function binaryKind(head: Uint8Array): string | undefined {
  for (const magic of MAGICS) if (startsWith(head, magic.bytes)) return magic.what;
  // bzip2: "BZh", the block size digit, then the block magic (BCD of pi).
  if (startsWith(head, ['BZh']) && head[3]! >= 0x31 && head[3]! <= 0x39) {
    if (startsWith(head.subarray(4), [0x31, 0x41, 0x59, 0x26, 0x53, 0x59]))
      return 'bzip2-compressed data (only gzip is read)';
  }
  // "MZ" can start a line of text; a PE file also says "PE\0\0" where its header points.
  if (head[0] === 0x4d && head[1] === 0x5a && head.length >= 64) {
    const at = head[0x3c]! | (head[0x3d]! << 8) | (head[0x3e]! << 16) | (head[0x3f]! << 24);
    if (at >= 64 && at + 4 <= head.length && startsWith(head.subarray(at), ['PE', 0, 0])) return PE_NOTE;
  }
  return undefined;
}

/** True when `head` starts with the ZIP local-file magic (`PK\x03\x04`), as every XLSX does. */
export function isZip(head: Uint8Array): boolean {
  return startsWith(head, ['PK', 0x03, 0x04]);
}

/**
 * Refuses a file that is not text before it is read as text (a PNG, a PDF, an executable, a ZIP
 * that is not read as XLSX, or bytes with NULs and control codes that no supported encoding
 * explains). UTF-16 text is judged on its characters, since its bytes hold NULs.
 * @param head the first (decompressed) bytes
 * @param complete whether `head` is the whole file
 * @param forced the encoding the spec asks for
 * @throws LoadstoneError SOURCE_FORMAT saying "not a text file", what it looks like, and what is read
 */
export function checkTextHead(path: string, head: Uint8Array, complete: boolean, forced?: Encoding): void {
  const kind = binaryKind(head);
  if (kind) throw notText(path, `it is ${kind}`);
  if (head.length === 0) return;
  const { label } = detectEncoding(head, complete, forced);
  let controls = 0;
  let units = head.length;
  if (label === 'utf-16le' || label === 'utf-16be') {
    const text = new TextDecoder(label).decode(head, { stream: !complete });
    units = text.length;
    for (let i = 0; i < text.length; i++) if (isControl(text.charCodeAt(i))) controls++;
  } else {
    for (let i = 0; i < head.length; i++) if (isControl(head[i]!)) controls++;
  }
  if (controls > 0 && controls >= units * MAX_CONTROL_SHARE) {
    const share = `${controls.toLocaleString('en-US')} of the first ${units.toLocaleString('en-US')} ${label.startsWith('utf-16') ? 'characters' : 'bytes'}`;
    throw notText(
      path,
      `${share} are NUL or other control codes that no text encoding Loadstone reads (UTF-8, UTF-16, Windows-1252) explains`,
    );
  }
}

/** The error for a file that is not text. */
export function notText(path: string, why: string): LoadstoneError {
  return new LoadstoneError('SOURCE_FORMAT', `${path}: not a text file (${why}). ${SUPPORTED_KINDS}.`, {
    details: { path },
  });
}

/** NUL and the C0 controls other than TAB, LF, VT, FF, CR, SUB (a DOS end of file) and ESC. */
function isControl(c: number): boolean {
  return (
    c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0b && c !== 0x0c && c !== 0x0d && c !== 0x1a && c !== 0x1b
  );
}

function startsWith(head: Uint8Array, parts: readonly (number | string)[]): boolean {
  let i = 0;
  for (const part of parts) {
    if (typeof part === 'number') {
      if (head[i++] !== part) return false;
    } else {
      for (let k = 0; k < part.length; k++) if (head[i++] !== part.charCodeAt(k)) return false;
    }
  }
  return true;
}
