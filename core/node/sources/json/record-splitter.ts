import { NdjsonLineParser } from '../ndjson/ndjson-line.ts';
import type { ArrayRecordAssembler } from './json-assembler.ts';
import type { JsonCopyRuns } from './json-copy-rows.ts';
import { type ColumnIndex, type ParsedOutput, ProblemItem } from './json-record.ts';
import type { RecordsRouter } from './records-path.ts';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Thrown for text between elements that is not JSON; the caller locates it with the verifier. */
export class SplitSyntaxError extends Error {}

/**
 * Splits the elements of the records array out of a body's text as it streams, so that each object
 * record is parsed by `JSON.parse` (native) with exact numbers (`NdjsonLineParser`) instead of token by
 * token. The text around the records array, and any element `JSON.parse` does not take as an object
 * (a scalar, an array, invalid JSON, nesting too deep), go through stream-json's tokenizer, the router
 * and the assembler as before, so they give the same items and errors. Only the element in progress is
 * held, never the body.
 */
export class RecordSplitter {
  private readonly parser = new NdjsonLineParser('record');
  private inRecords = false;
  // String state of the text outside the records array (to find its '[' outside strings).
  private outerString = false;
  private outerEscaped = false;
  // The element in progress: its first character (0: none), the text so far, its scan state.
  private kind = 0;
  private pending = '';
  private depth = 0;
  private inString = false;
  private escapeNext = false;
  /** An element ended: a ',' or ']' must come next. */
  private expectComma = false;
  /** A ',' came: an element must come next. */
  private afterComma = false;
  /** The tokenizer has been given an element of the records array (the next one it gets needs a ','). */
  private tokenizerHasElement = false;

  constructor(
    private readonly router: RecordsRouter,
    private readonly assembler: ArrayRecordAssembler,
    /** Gives text to the tokenizer and routes its tokens (items go to `out`). */
    private readonly tokenizeText: (text: string, out: ParsedOutput[]) => void,
    /** Once the load allows it, object records whose values all pass are written as COPY text. */
    private copy?: JsonCopyRuns | undefined,
    /**
     * Given, in order, every span of text inside the records array (elements, commas, blanks: the
     * array's text without its brackets), e.g. to digest a page's records apart from its wrapper.
     */
    private readonly recordsText?: (text: string, from: number, to: number) => void,
  ) {}

  /** Where the records array's text begins in the piece being scanned (-1: not inside it). */
  private spanFrom = -1;

  fixColumns(columns: ColumnIndex): void {
    this.parser.fixColumns(columns);
  }

  /**
   * Writes the object records that pass as COPY text from the next `push` on (a file's reader, once
   * the load allows it). An element begun earlier is offered to it when it ends.
   */
  setCopyWriter(copy: JsonCopyRuns | undefined): void {
    this.copy = copy;
  }

  /** Gives text to the tokenizer, after any run of COPY text so far. */
  private tokenize(text: string, out: ParsedOutput[]): void {
    this.copy?.take(out);
    this.tokenizeText(text, out);
  }

  /** Consumes the next piece of the body's text, appending completed items to `out`. */
  push(text: string, out: ParsedOutput[]): void {
    this.spanFrom = this.inRecords ? 0 : -1;
    this.scan(text, out);
    if (this.inRecords && this.spanFrom >= 0) this.recordsText?.(text, this.spanFrom, text.length);
    this.copy?.take(out);
  }

  private scan(text: string, out: ParsedOutput[]): void {
    let i = 0;
    const n = text.length;
    while (i < n) {
      if (!this.inRecords) {
        const open = this.findOuterBracket(text, i);
        if (open < 0) {
          this.tokenize(i === 0 ? text : text.slice(i), out);
          return;
        }
        this.tokenize(text.slice(i, open + 1), out);
        i = open + 1;
        if (this.router.atRecordsStart) {
          this.inRecords = true;
          this.spanFrom = i;
          this.expectComma = false;
          this.afterComma = false;
          this.tokenizerHasElement = false;
        }
        continue;
      }
      if (this.kind !== 0) {
        const end = this.scanElement(text, i);
        if (end < 0) {
          this.pending += i === 0 ? text : text.slice(i);
          this.copy?.take(out);
          return;
        }
        const kind = this.kind;
        this.kind = 0;
        if (this.pending === '') {
          // Begun in this piece: an object record was offered to the COPY writer as it began.
          this.element(kind, text, i, end, false, out);
        } else {
          const element = this.pending + text.slice(i, end);
          this.pending = '';
          this.element(kind, element, 0, element.length, true, out);
        }
        this.expectComma = true;
        i = end;
        continue;
      }
      const c = text.charCodeAt(i);
      if (isBlank(c)) {
        i++;
      } else if (c === CLOSE_BRACKET) {
        if (this.afterComma) throw new SplitSyntaxError('a trailing comma in the records array');
        this.inRecords = false;
        this.recordsText?.(text, this.spanFrom, i);
        this.tokenize(']', out);
        i++;
      } else if (c === COMMA) {
        if (!this.expectComma) throw new SplitSyntaxError('a comma where a value was expected');
        this.expectComma = false;
        this.afterComma = true;
        i++;
      } else {
        if (this.expectComma) throw new SplitSyntaxError('a value where a comma was expected');
        this.afterComma = false;
        if (c === OPEN_BRACE && this.copy) {
          // A record that passes is written as COPY text as it is read: no scan for its end first.
          const past = this.copy.writeNext(text, i, n, this.assembler.count + 1, out);
          if (past >= 0) {
            this.assembler.count++;
            this.expectComma = true;
            i = past;
            continue;
          }
        }
        this.kind = c;
        this.depth = 0;
        this.inString = false;
        this.escapeNext = false;
        // The first character is scanned with the rest (a brace counts, a quote opens the string).
      }
    }
  }

  /** At the end of the body: gives any unfinished element to the tokenizer, which reports it. */
  end(out: ParsedOutput[]): void {
    this.copy?.take(out);
    if (this.kind !== 0) {
      const element = this.pending;
      this.pending = '';
      this.kind = 0;
      this.tokenize(this.tokenizerHasElement ? `,${element}` : element, out);
    }
  }

  /**
   * An element, `source.slice(start, end)`: an object record is written as COPY text when it passes
   * (`tryCopy`: not offered yet), else parsed natively; anything else goes to the tokenizer.
   */
  private element(
    kind: number,
    source: string,
    start: number,
    end: number,
    tryCopy: boolean,
    out: ParsedOutput[],
  ): void {
    const copy = this.copy;
    if (kind === OPEN_BRACE && tryCopy && copy?.write(source, start, end, this.assembler.count + 1, out)) {
      this.assembler.count++;
      return;
    }
    copy?.take(out);
    const text = start === 0 && end === source.length ? source : source.slice(start, end);
    if (kind === OPEN_BRACE) {
      const parsed = this.parser.parse(text, this.assembler.count + 1);
      if (!(parsed instanceof ProblemItem)) {
        this.assembler.count++;
        out.push(parsed);
        return;
      }
    }
    // The blank after it ends a number or literal, which the tokenizer only emits at a delimiter.
    const before = this.assembler.count;
    this.tokenize(this.tokenizerHasElement ? `,${text} ` : `${text} `, out);
    this.tokenizerHasElement = true;
    // The element is whole, so the tokenizer ends it (counted as a record or a problem) or it cannot
    // read it. stream-json waits for more text when a bad string character (a raw tab, `\x`) is close
    // to the end of what it has, so without this the records after it were read on, numbered one
    // short, and the error came only at the end of the file.
    if (this.assembler.count === before) throw new SplitSyntaxError('an element that is not JSON');
  }

  /** Index of the next '[' outside strings from `from`, or -1 (the string state carries over). */
  private findOuterBracket(text: string, from: number): number {
    let inString = this.outerString;
    let escaped = this.outerEscaped;
    for (let i = from; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (escaped) escaped = false;
      else if (inString) {
        if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) inString = false;
      } else if (c === QUOTE) inString = true;
      else if (c === OPEN_BRACKET) {
        this.outerString = false;
        this.outerEscaped = false;
        return i;
      }
    }
    this.outerString = inString;
    this.outerEscaped = escaped;
    return -1;
  }

  /** Scans the element in progress from `from`: the index just past its end, or -1 when it goes on. */
  private scanElement(text: string, from: number): number {
    const kind = this.kind;
    const n = text.length;
    if (kind !== OPEN_BRACE && kind !== OPEN_BRACKET && kind !== QUOTE) {
      // A scalar (number, true, false, null or not JSON) runs to a delimiter.
      for (let i = from; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c === COMMA || c === CLOSE_BRACKET || isBlank(c)) return i;
      }
      return -1;
    }
    let depth = this.depth;
    let inString = this.inString;
    let escaped = this.escapeNext;
    for (let i = from; i < n; i++) {
      if (inString) {
        // Jump to the next quote not escaped (most of a record's text is in strings).
        let j = i;
        if (escaped) {
          escaped = false;
          j++;
        }
        let q = -1;
        for (;;) {
          q = text.indexOf('"', j);
          if (q < 0) break;
          let k = q - 1;
          while (k >= j && text.charCodeAt(k) === BACKSLASH) k--;
          if ((q - 1 - k) % 2 === 0) break;
          j = q + 1;
        }
        if (q < 0) {
          // The string goes on in the next piece; an odd run of backslashes at the end escapes its first character.
          let k = n - 1;
          while (k >= j && text.charCodeAt(k) === BACKSLASH) k--;
          escaped = (n - 1 - k) % 2 === 1;
          break;
        }
        inString = false;
        if (depth === 0) return q + 1; // a string element
        i = q;
        continue;
      }
      const c = text.charCodeAt(i);
      if (c === QUOTE) inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (--depth === 0) return i + 1;
      }
    }
    this.depth = depth;
    this.inString = inString;
    this.escapeNext = escaped;
    return -1;
  }
}
