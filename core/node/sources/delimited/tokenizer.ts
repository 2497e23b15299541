import { LoadstoneError } from '../../../common/errors.ts';
import { DEFAULT_MAX_LINE_CHARS } from '../../../common/spec/job-spec.ts';
import type { RowProblem } from '../../../common/types.ts';
import type { SourceRow } from '../types.ts';
import { RecordEndFinder } from './record-end.ts';
import { countBreaks, eolAfter, fieldStart, find, isBlank } from './scan.ts';

/**
 * A quoted field that stays open for more than this many characters is taken as an
 * unterminated quote: the record is reported and parsing restarts on the line after the
 * opening quote. 1 Mi characters keeps legitimately long quoted text (HTML, JSON blobs)
 * intact while bounding the memory one record may hold.
 */
export const MAX_QUOTED_CHARS = 1024 * 1024;

/** How to split delimited text into fields. */
export interface TokenizerOptions {
  /** Field separator, one character. */
  delimiter: string;
  /** Quote character, one character; '' turns quoting off. */
  quote: string;
  /** Bound for an open quoted field (default MAX_QUOTED_CHARS); tests lower it. */
  maxQuotedChars?: number;
  /** Longest record read, in characters (default DEFAULT_MAX_LINE_CHARS, 64 Mi); see `line_too_long`. */
  maxLineChars?: number;
}

const LF = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;
/** A blank code that matches no character (the delimiter or the quote took a blank's place). */
const NO_BLANK = -3;
/** `quoteCode` when quoting is off; differs from -1, which marks the end of the buffer. */
const NO_QUOTE = -2;

/**
 * Streaming tokenizer for delimited text (RFC 4180 quoting, LF / CRLF / lone CR line ends).
 *
 * Feed decoded text with `push`, then call `finish` once at the end; complete records are
 * appended to `out` as `SourceRow`s whose `values` are strings and whose `line` is the
 * 1-based physical line where the record starts (line breaks inside quoted fields count).
 * A record without a problem also says where its text is (`text`, `textStart`, `textEnd`: the
 * record without its line break); `reparseRecord` reads that text back into the same values.
 * Chunk boundaries can fall anywhere (inside a quoted field, between CR and LF): a record cut by
 * one is kept in pieces that a `RecordEndFinder` follows, and read once the finder says it is
 * decided, so the work is linear in the input however long a record is and however it is chunked.
 *
 * Blanks around a quoted field are ignored, as pgloader and Python's csv (skipinitialspace)
 * do: spaces and tabs between a delimiter (or the line start) and an opening quote, and
 * between a closing quote and the next delimiter (or the line end), so `a, "b, c" ,d` reads
 * as `a`, `b, c`, `d`. A tab is a blank only when it is not the delimiter (same for a space).
 * An unquoted field keeps its blanks (trimming is the normalizer's job).
 *
 * Problems are data: `stray_quote` (a quote inside an unquoted field after something other
 * than blanks, or text other than blanks between a closing quote and the delimiter; the field
 * is kept as written, blanks included), `unterminated_quote` (see MAX_QUOTED_CHARS; the field
 * is kept as written up to the end of the line where it opened) and `line_too_long` (a record
 * longer than `maxLineChars`: no fields; reading restarts after the first line break at or past
 * the bound). The one exception: a line that runs on for twice the bound throws SOURCE_FORMAT
 * (a gzipped 10 GB line is refused after 128 Mi characters). Empty lines are skipped.
 *
 * Speed: fields are found with `indexOf` and the next delimiter / LF / CR / quote positions
 * are cached, so each character is scanned a constant number of times. Blanks cost nothing
 * on the fast path: leading ones are noticed through the quote position the unquoted path
 * already checks, trailing ones only when the character after a closing quote is not the
 * delimiter.
 */
export class DelimitedTokenizer {
  private readonly delim: string;
  private readonly delimCode: number;
  private readonly quote: string;
  private readonly quoteCode: number;
  private readonly doubledQuote: string;
  private readonly maxQuoted: number;
  private readonly maxLine: number;
  /** Character codes ignored around a quoted field: space and tab, unless delimiter or quote. */
  private readonly blank1: number;
  private readonly blank2: number;
  /**
   * The text of an unfinished record (it starts at a record start), in pieces: kept as they came
   * and joined once the finder says the record is decided, so a record spanning many chunks is
   * scanned a constant number of times, not once per chunk.
   */
  private pending: string[] = [];
  private readonly finder: RecordEndFinder;
  /** Physical line of the first pending character. */
  private line = 1;
  /** Skipping the rest of a line that was too long (see `tooLong`). */
  private skipping = false;
  /** While skipping: the record's first line, and characters passed since its line bound. */
  private skipLine = 0;
  private skipped = 0;
  /** A CR ended the skipped line at the end of a piece: drop an LF that starts the next one. */
  private eatLf = false;
  /** Characters handed to the scanner so far (a measure of work, for tests: linear in the input). */
  scanned = 0;

  constructor(options: TokenizerOptions) {
    if (options.delimiter.length !== 1) throw new RangeError('delimiter must be one character');
    if (options.quote.length > 1) throw new RangeError('quote must be one character or empty');
    if (options.delimiter === options.quote) throw new RangeError('delimiter and quote must differ');
    if (/[\r\n]/.test(options.delimiter + options.quote))
      throw new RangeError('CR and LF cannot be a delimiter or quote');
    this.delim = options.delimiter;
    this.delimCode = options.delimiter.charCodeAt(0);
    this.quote = options.quote;
    this.quoteCode = options.quote === '' ? NO_QUOTE : options.quote.charCodeAt(0);
    this.doubledQuote = options.quote + options.quote;
    this.maxQuoted = options.maxQuotedChars ?? MAX_QUOTED_CHARS;
    this.maxLine = options.maxLineChars ?? DEFAULT_MAX_LINE_CHARS;
    const blanks = [SPACE, TAB].filter((b) => b !== this.delimCode && b !== this.quoteCode);
    this.blank1 = blanks[0] ?? NO_BLANK;
    this.blank2 = blanks[1] ?? this.blank1;
    this.finder = new RecordEndFinder({
      delimiter: this.delim,
      quote: this.quote,
      delimCode: this.delimCode,
      quoteCode: this.quoteCode,
      blank1: this.blank1,
      blank2: this.blank2,
      maxQuoted: this.maxQuoted,
      maxLine: this.maxLine,
    });
  }

  /**
   * Tokenizes `text` (the next piece of the file) and appends every complete record to `out`.
   * @throws LoadstoneError SOURCE_FORMAT when a line runs on for more than twice the line bound
   *   (see `tooLong`): such a file cannot be read as lines of delimited text.
   */
  push(text: string, out: SourceRow[]): void {
    if (this.skipping || this.eatLf) {
      text = this.skip(text);
      if (text.length === 0) return;
    }
    if (this.pending.length === 0) {
      this.run(text, false, out);
      return;
    }
    this.pending.push(text);
    if (this.finder.feed(text)) {
      const whole = this.pending.join('');
      this.pending = [];
      this.run(whole, false, out);
    }
  }

  /** Ends the input: the last record (even without a final line break) is appended to `out`. */
  finish(out: SourceRow[]): void {
    this.eatLf = false;
    if (this.skipping) {
      this.skipping = false;
      return;
    }
    const whole = this.pending.join('');
    this.pending = [];
    this.run(whole, true, out);
  }

  /**
   * Passes over the rest of a line that was too long, up to and including its line break, and
   * returns the text after it ('' when the line goes on).
   */
  private skip(text: string): string {
    let from = 0;
    if (this.skipping) {
      const lf = text.indexOf('\n');
      const cr = text.indexOf('\r');
      const end = lf < 0 ? cr : cr < 0 ? lf : Math.min(lf, cr);
      if (end < 0 || this.skipped + end > this.maxLine) {
        this.skipped += end < 0 ? text.length : end;
        if (this.skipped > this.maxLine) throw this.runaway(this.skipLine);
        return '';
      }
      this.skipping = false;
      this.line = this.skipLine + 1;
      from = end + 1;
      if (text.charCodeAt(end) === CR) {
        if (from === text.length) {
          this.eatLf = true;
          return '';
        }
        if (text.charCodeAt(from) === LF) from++;
      }
    } else if (text.charCodeAt(0) === LF) from = 1;
    this.eatLf = false;
    return from === 0 ? text : text.slice(from);
  }

  /** The whole-file error for a line that goes on past twice the bound. */
  private runaway(line: number): LoadstoneError {
    const limit = 2 * this.maxLine;
    return new LoadstoneError(
      'SOURCE_FORMAT',
      `line ${line} runs on for more than ${limit.toLocaleString('en-US')} characters without a line break, so the file cannot be read as lines of delimited text (if it really is, raise the line limit, maxLineChars)`,
      { details: { line } },
    );
  }

  /**
   * A record longer than the line bound (its end, or the earliest it can end, lies more than
   * `maxLine` characters after its start). It is reported as `line_too_long` without its fields,
   * and reading restarts after the first line break at or past the bound. Returns where reading
   * goes on in `buf`, or `buf.length` when the rest of `buf` is skipped (the line goes on: see
   * `skip`). Depends on the text only, never on how it was chunked.
   */
  private tooLong(buf: string, recStart: number, recLine: number, final: boolean, out: SourceRow[]): number {
    const len = buf.length;
    const bound = recStart + this.maxLine;
    const end = Math.min(find(buf, '\n', bound, len), find(buf, '\r', bound, len));
    if (end - bound > this.maxLine) throw this.runaway(recLine);
    // At least the bound's worth of the record is in `buf`, so the excerpt never depends on chunking.
    const head = buf.slice(recStart, recStart + Math.min(40, this.maxLine));
    out.push({
      line: recLine,
      values: [],
      problem: {
        reason: 'line_too_long',
        message: `line ${recLine}: longer than ${this.maxLine.toLocaleString('en-US')} characters (the line limit, maxLineChars), so it is not read; it starts ${JSON.stringify(head)}…, and reading goes on at the next line`,
      },
    });
    if (end === len) {
      if (final) return len;
      this.skipping = true;
      this.skipLine = recLine + countBreaks(buf, recStart, len);
      this.skipped = len - bound;
      return len;
    }
    this.line = recLine + countBreaks(buf, recStart, end) + 1;
    if (buf.charCodeAt(end) === LF) return end + 1;
    if (end + 1 < len) return buf.charCodeAt(end + 1) === LF ? end + 2 : end + 1;
    if (!final) this.eatLf = true;
    return len;
  }

  /**
   * Reads the records of `buf`, which starts at a record start; an unfinished last record is kept
   * in `pending` (unless `final`). Every place that waits for more text first checks that the
   * record can still end within the line bound (the earliest it can end: `minEnd`).
   */
  private run(buf: string, final: boolean, out: SourceRow[]): void {
    const len = buf.length;
    this.scanned += len;
    const D = this.delimCode;
    const Q = this.quoteCode;
    const d = this.delim;
    const q = this.quote;
    const B1 = this.blank1;
    const B2 = this.blank2;
    let pos = 0;
    let line = this.line;
    // Next position (≥ the scan position once refreshed) of delimiter, LF, CR and quote;
    // `len` means "none in this buffer". Refreshed lazily when the scan passes them.
    let nd = -1;
    let nl = -1;
    let nc = -1;
    let nq = -1;

    records: while (pos < len) {
      const recStart = pos;
      const recLine = line;
      let c = buf.charCodeAt(pos);
      if (c === LF || c === CR) {
        // Blank physical line: skipped, not a record.
        if (c === CR) {
          if (pos + 1 === len && !final) break;
          pos += pos + 1 < len && buf.charCodeAt(pos + 1) === LF ? 2 : 1;
        } else pos++;
        line++;
        continue;
      }
      const values: string[] = [];
      let problem: RowProblem | undefined;
      let breaks = 0; // line breaks inside quoted fields of this record so far
      // Set when the record cannot end within the line bound.
      let over = false;
      for (;;) {
        c = pos < len ? buf.charCodeAt(pos) : -1;
        if (c === Q) {
          const open = pos;
          let from = pos + 1;
          let close = -1;
          let doubled = false;
          // Where the closing quote can be at the earliest when it is not in this chunk yet.
          let earliest = len;
          for (;;) {
            const k = buf.indexOf(q, from);
            if (k === -1) break;
            if (k + 1 < len) {
              if (buf.charCodeAt(k + 1) === Q) {
                doubled = true;
                from = k + 2;
                continue;
              }
              close = k;
            } else if (final) close = k;
            else earliest = k; // a quote as the last character: closing, or half of a doubled one
            break;
          }
          if (close === -1 && !final && earliest - open <= this.maxQuoted) {
            // It may yet end at the first line break after its opening quote (unterminated).
            if (len - recStart > this.maxLine && eolAfter(buf, open, len) - recStart > this.maxLine) {
              over = true;
              break;
            }
            pos = recStart;
            line = recLine;
            break records;
          }
          // Give up on the quote when it never closes, or closes more than maxQuoted characters
          // later on another line. This depends on the text only, never on how it was chunked.
          if (close === -1 || close - open > this.maxQuoted) {
            let lf = buf.indexOf('\n', open);
            let cr = buf.indexOf('\r', open);
            if (lf === -1) lf = len;
            if (cr === -1) cr = len;
            const eol = Math.min(lf, cr);
            // A long field on one line swallows no other record: it is read as it is.
            if (close === -1 || eol < close) {
              if (!final && (eol === len || (eol === cr && eol + 1 === len))) {
                // No line break yet to restart from (or a CR that may be half a CRLF): read on.
                if (eol - recStart > this.maxLine) {
                  over = true;
                  break;
                }
                pos = recStart;
                line = recLine;
                break records;
              }
              if (eol - recStart > this.maxLine) {
                over = true;
                break;
              }
              const openLine = recLine + breaks;
              values.push(buf.slice(fieldStart(buf, open, recStart, B1, B2), eol));
              out.push({
                line: recLine,
                values,
                rawText: buf.slice(recStart, eol),
                problem: {
                  reason: 'unterminated_quote',
                  message:
                    close === -1 && final
                      ? `line ${openLine}: the quote opened in field ${values.length} is never closed (it runs to the end of the file); the lines after it are read again as new records`
                      : `line ${openLine}: the quote opened in field ${values.length} is not closed within ${this.maxQuoted} characters, so it is taken as unterminated; the lines after it are read again as new records`,
                },
              });
              pos = eol === len ? len : eol === cr && buf.charCodeAt(eol + 1) === LF ? eol + 2 : eol + 1;
              line = openLine + 1;
              continue records;
            }
          }
          let value = buf.slice(open + 1, close);
          if (doubled) value = value.replaceAll(this.doubledQuote, q);
          if (nl <= open) nl = find(buf, '\n', open + 1, len);
          if (nc <= open) nc = find(buf, '\r', open + 1, len);
          if (nl < close || nc < close) breaks += countBreaks(buf, open + 1, close);
          pos = close + 1;
          c = pos < len ? buf.charCodeAt(pos) : -1;
          if (c === D) {
            values.push(value);
            pos++;
            continue;
          }
          if (c === B1 || c === B2) {
            // Blanks after the closing quote are ignored up to the delimiter or the line end.
            do pos++;
            while (pos < len && ((c = buf.charCodeAt(pos)) === B1 || c === B2));
            if (pos === len) {
              if (!final) {
                if (len - recStart > this.maxLine) {
                  over = true;
                  break;
                }
                pos = recStart;
                line = recLine;
                break records;
              }
              c = -1;
            }
            if (c === D) {
              values.push(value);
              pos++;
              continue;
            }
          }
          if (c !== LF && c !== CR && c !== -1) {
            // Text after the closing quote: keep the field exactly as written.
            if (nd < pos) nd = find(buf, d, pos, len);
            if (nl < pos) nl = find(buf, '\n', pos, len);
            if (nc < pos) nc = find(buf, '\r', pos, len);
            const end = Math.min(nd, nl, nc);
            if (end === len && !final) {
              if (len - recStart > this.maxLine) {
                over = true;
                break;
              }
              pos = recStart;
              line = recLine;
              break records;
            }
            values.push(buf.slice(fieldStart(buf, open, recStart, B1, B2), end));
            problem ??= {
              reason: 'stray_quote',
              message: `line ${recLine + breaks}: text after the closing quote of field ${values.length} (only spaces or tabs may stand between a closing quote and the next delimiter or line end)`,
            };
            pos = end;
            if (end < len && buf.charCodeAt(end) === D) {
              pos++;
              continue;
            }
          } else values.push(value);
        } else {
          if (nd < pos) nd = find(buf, d, pos, len);
          if (nl < pos) nl = find(buf, '\n', pos, len);
          if (nc < pos) nc = find(buf, '\r', pos, len);
          const end = Math.min(nd, nl, nc);
          if (end === len && !final) {
            if (len - recStart > this.maxLine) {
              over = true;
              break;
            }
            pos = recStart;
            line = recLine;
            break records;
          }
          if (Q !== NO_QUOTE) {
            if (nq < pos) nq = find(buf, q, pos, len);
            if (nq < end) {
              if (isBlank(buf, pos, nq)) {
                // Only blanks before the quote: a quoted field, read from its opening quote.
                pos = nq;
                continue;
              }
              problem ??= {
                reason: 'stray_quote',
                message: `line ${recLine + breaks}: a quote (${q}) inside unquoted field ${values.length + 1} (a quoted field may have only spaces or tabs before its opening quote)`,
              };
            }
          }
          values.push(buf.slice(pos, end));
          pos = end;
          if (end === nd && end < len) {
            pos++;
            continue;
          }
        }
        // At a line break or at the end of the (final) input: the record is complete.
        const recEnd = pos;
        if (recEnd - recStart > this.maxLine) {
          over = true;
          break;
        }
        if (pos < len) {
          if (buf.charCodeAt(pos) === CR) {
            if (pos + 1 < len) pos += buf.charCodeAt(pos + 1) === LF ? 2 : 1;
            else if (final) pos++;
            else {
              pos = recStart;
              line = recLine;
              break records;
            }
          } else pos++;
        }
        line = recLine + breaks + 1;
        out.push(
          problem
            ? { line: recLine, values, problem, rawText: buf.slice(recStart, recEnd) }
            : { line: recLine, values, text: buf, textStart: recStart, textEnd: recEnd },
        );
        break;
      }
      if (!over) continue;
      // The record cannot end within the line bound (see `tooLong`). Reading may go on before the
      // scan position, so the cached positions are forgotten.
      pos = this.tooLong(buf, recStart, recLine, final, out);
      line = this.line;
      nd = nl = nc = nq = -1;
    }
    this.line = line;
    if (pos < len) {
      const rest = buf.slice(pos);
      this.pending = [rest];
      this.finder.reset();
      this.finder.feed(rest);
    }
  }
}

/**
 * The fields of one record read again from its text (a record's `text.slice(textStart, textEnd)`),
 * with the tokenizer options it was first read with: the same values, in the same order.
 */
export function reparseRecord(options: TokenizerOptions, recordText: string): string[] {
  const out: SourceRow[] = [];
  const tokenizer = new DelimitedTokenizer(options);
  tokenizer.push(recordText, out);
  tokenizer.finish(out);
  return (out[0]?.values as string[] | undefined) ?? [];
}
