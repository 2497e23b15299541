import { LoadstoneError } from '../../../common/errors.ts';
import { scanEntry, unescapeOoxml } from './workbook-parts.ts';
import { attribute } from './xml-scanner.ts';
import type { ZipArchive } from './zip-reader.ts';

/**
 * Most shared strings a workbook may have. Any cell may point at any entry, so the whole table is
 * held in memory; past this the workbook is refused instead of exhausting it (a 9.9 MB file
 * declaring 240 million strings once killed the process).
 */
export const MAX_SHARED_STRINGS = 16 * 1024 * 1024;
/** Most bytes (UTF-8) all shared strings together may take. */
export const MAX_SHARED_STRING_BYTES = 256 * 1024 * 1024;

/** Slabs the strings are written into, back to back (a string may straddle two). */
const SLAB_BYTES = 4 * 1024 * 1024;

/** Bounds of a shared string table (tests lower them). */
export interface SharedStringLimits {
  readonly strings: number;
  readonly bytes: number;
}

const LIMITS: SharedStringLimits = { strings: MAX_SHARED_STRINGS, bytes: MAX_SHARED_STRING_BYTES };

/** What a lookup gives for a string longer than the cell bound: it was not kept. */
export const TOO_LONG = Symbol('too long');

/**
 * The shared string table, compact: the strings' UTF-8 bytes back to back in slabs and one end
 * offset per string (4 bytes), instead of a JS string each (~40 bytes of overhead, and a slice of
 * a shared string may keep the whole chunk of XML it was cut from alive). A cell's string is
 * decoded when the cell is read. Bounded by MAX_SHARED_STRINGS and MAX_SHARED_STRING_BYTES.
 */
export class SharedStrings {
  private readonly slabs: Buffer[] = [];
  /** End offset (over all slabs) of each string; its start is the previous end. */
  private ends = new Uint32Array(1024);
  private used = 0;
  private tooLong: Set<number> | undefined;
  /** Strings in the table. */
  count = 0;

  constructor(
    private readonly path: string,
    private readonly limits: SharedStringLimits = LIMITS,
  ) {}

  /**
   * Adds the next string (`TOO_LONG` for one over the cell bound: kept as a mark only).
   * @throws LoadstoneError SOURCE_FORMAT past the bounds (MAX_SHARED_STRINGS, MAX_SHARED_STRING_BYTES)
   */
  add(text: string | typeof TOO_LONG): void {
    const limits = this.limits;
    if (this.count >= limits.strings) {
      throw tooMany(this.path, `more than ${fmt(limits.strings)} shared strings`, limits);
    }
    if (this.count === this.ends.length) {
      const grown = new Uint32Array(Math.max(1, Math.min(this.ends.length * 2, limits.strings)));
      grown.set(this.ends);
      this.ends = grown;
    }
    if (text === TOO_LONG) {
      (this.tooLong ??= new Set()).add(this.count);
    } else if (text.length > 0) {
      const bytes = Buffer.byteLength(text);
      if (this.used + bytes > limits.bytes) {
        throw tooMany(this.path, `shared strings of more than ${fmt(limits.bytes)} bytes in all`, limits);
      }
      this.write(text, bytes);
    }
    this.ends[this.count++] = this.used;
  }

  /** String `index`, `TOO_LONG`, or undefined when there is no such entry. */
  get(index: number): string | typeof TOO_LONG | undefined {
    if (!(index >= 0 && index < this.count) || !Number.isInteger(index)) return undefined;
    if (this.tooLong?.has(index)) return TOO_LONG;
    const start = index === 0 ? 0 : this.ends[index - 1]!;
    const end = this.ends[index]!;
    if (start === end) return '';
    const slab = Math.floor(start / SLAB_BYTES);
    const from = start - slab * SLAB_BYTES;
    if (from + (end - start) <= SLAB_BYTES)
      return this.slabs[slab]!.toString('utf8', from, from + end - start);
    // Straddles slabs: gather its bytes.
    const parts: Buffer[] = [];
    for (let at = start; at < end; ) {
      const s = Math.floor(at / SLAB_BYTES);
      const f = at - s * SLAB_BYTES;
      const n = Math.min(SLAB_BYTES - f, end - at);
      parts.push(this.slabs[s]!.subarray(f, f + n));
      at += n;
    }
    return Buffer.concat(parts).toString('utf8');
  }

  private write(text: string, bytes: number): void {
    let source: Buffer | undefined;
    let done = 0;
    while (done < bytes) {
      const slab = Math.floor(this.used / SLAB_BYTES);
      if (slab === this.slabs.length) this.slabs.push(Buffer.allocUnsafe(SLAB_BYTES));
      const at = this.used - slab * SLAB_BYTES;
      const room = SLAB_BYTES - at;
      if (source === undefined && bytes <= room) {
        this.slabs[slab]!.write(text, at, 'utf8');
        this.used += bytes;
        return;
      }
      source ??= Buffer.from(text, 'utf8');
      const n = Math.min(room, bytes - done);
      source.copy(this.slabs[slab]!, at, done, done + n);
      done += n;
      this.used += n;
    }
  }
}

/**
 * The whole-file error for a cell or shared string whose text runs on for more than twice the
 * bound (as for a line of delimited text): reading it to its end would take unbounded time.
 */
export function runawayText(path: string, what: string, max: number): LoadstoneError {
  return new LoadstoneError(
    'SOURCE_FORMAT',
    `${path}: ${what} runs on for more than ${fmt(2 * max)} characters, so the workbook cannot be read (if it really holds such text, raise the limit, maxLineChars)`,
    { details: { path } },
  );
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

function tooMany(path: string, what: string, limits: SharedStringLimits): LoadstoneError {
  return new LoadstoneError(
    'SOURCE_FORMAT',
    `${path}: the workbook has ${what}, more than Loadstone holds in memory (at most ${fmt(limits.strings)} strings and ${fmt(limits.bytes)} bytes); save the sheet as CSV and load that instead`,
    { details: { path, maxStrings: limits.strings, maxBytes: limits.bytes } },
  );
}

/**
 * Reads the shared string table (rich text flattened to plain text, phonetic runs left out). It
 * must be held in memory: any cell may point at any entry. A string longer than `maxChars` is kept
 * as a mark (cells using it are `cell_too_long`); a table declaring or holding more than the
 * bounds is refused.
 * @throws LoadstoneError SOURCE_FORMAT past the bounds (see MAX_SHARED_STRINGS)
 */
export async function readSharedStrings(
  zip: ZipArchive,
  part: string | undefined,
  maxChars: number,
  signal?: AbortSignal,
  limits: SharedStringLimits = LIMITS,
): Promise<SharedStrings> {
  const table = new SharedStrings(zip.path, limits);
  const entry = part === undefined ? undefined : zip.find(part);
  if (!entry) return table;
  let current = '';
  let over = false;
  let overChars = 0;
  let index = 0;
  let inItem = false;
  let phonetic = 0;
  const handler = {
    wantText: false,
    open(name: string, tag: string, start: number, end: number) {
      if (name === 't') handler.wantText = inItem && phonetic === 0;
      else if (name === 'si') {
        inItem = true;
        current = '';
        over = false;
      } else if (name === 'rPh') phonetic++;
      else if (name === 'sst') {
        // A declared count past the bound is refused before reading millions of entries.
        const declared = Number(attribute(tag, start, end, 'uniqueCount') ?? 0);
        if (declared > limits.strings) {
          throw tooMany(zip.path, `${fmt(declared)} shared strings (as it declares)`, limits);
        }
      }
    },
    close(name: string) {
      if (name === 't') handler.wantText = false;
      else if (name === 'si') {
        table.add(over ? TOO_LONG : unescapeOoxml(current));
        index++;
        current = '';
        inItem = false;
      } else if (name === 'rPh') phonetic--;
    },
    text(text: string) {
      if (over) {
        // Counted, not kept: a string that runs on for twice the bound stops the read, like a line.
        overChars += text.length;
        if (overChars > maxChars) throw runawayText(zip.path, `shared string ${index}`, maxChars);
        return;
      }
      current += text;
      if (current.length > maxChars) {
        // Not kept: cells that use it are rejected, and reading goes on.
        over = true;
        overChars = current.length - maxChars;
        current = '';
      }
    },
  };
  await scanEntry(zip, entry, handler, signal);
  return table;
}
