/** Character codes and bounds the finder works with (the tokenizer's own settings). */
export interface RecordEndOptions {
  readonly delimiter: string;
  /** Quote character, '' when quoting is off. */
  readonly quote: string;
  readonly delimCode: number;
  /** Quote code, or a negative number when quoting is off. */
  readonly quoteCode: number;
  /** Blanks ignored after a closing quote (space and tab unless they are the delimiter or quote). */
  readonly blank1: number;
  readonly blank2: number;
  readonly maxQuoted: number;
  readonly maxLine: number;
}

const LF = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;

/** At the start of a field. */
const FIELD = 0;
/** Blanks at the start of a field: a quote may still open it. */
const LEAD = 1;
/** Inside an unquoted field, or in text after a closing quote (quotes are data there). */
const PLAIN = 2;
/** Inside a quoted field. */
const QUOTED = 3;
/** Just after a quote inside a quoted field: closing, or the first half of a doubled quote. */
const QUOTE_SEEN = 4;
/** After a closing quote: blanks, then the delimiter or the line end. */
const AFTER = 5;
/** After the CR that ends the record: the next character tells whether it is a CRLF. */
const AFTER_CR = 6;

/**
 * Follows one unfinished record of delimited text across chunks, to tell when the tokenizer can
 * read it in one go. It knows the tokenizer's grammar (quoting, blanks around quotes, the
 * unterminated-quote bound, the line-length bound) but keeps no text: a few numbers of state,
 * so each character is looked at once however many chunks the record spans.
 *
 * "Decided" means the tokenizer, given the record's text so far, will not wait for more text
 * before this record: it ends (its line break and, after a CR, the next character are here), it
 * is an unterminated quote whose line has ended, or it is already longer than the line bound.
 */
export class RecordEndFinder {
  private state = FIELD;
  /** Characters of the record seen so far. */
  private seen = 0;
  /** Offset of the opening quote of the current quoted field. */
  private open = 0;
  /** Offset of the last quote seen inside it (a candidate closing quote). */
  private quoteAt = 0;
  /** Offset of the first line break after the opening quote, or -1; whether it is a CR. */
  private eol = -1;
  private eolCr = false;
  /** True once the record is decided (see the class comment). */
  decided = false;

  constructor(private readonly o: RecordEndOptions) {}

  /** Starts on a new record (its first character comes next). */
  reset(): void {
    this.state = FIELD;
    this.seen = 0;
    this.eol = -1;
    this.decided = false;
  }

  /** Reads the next piece of the record's text; returns `decided`. */
  feed(text: string): boolean {
    if (this.decided) return true;
    const { delimCode: D, quoteCode: Q, blank1: B1, blank2: B2, maxQuoted, maxLine } = this.o;
    const n = text.length;
    const base = this.seen;
    let state = this.state;
    // Next delimiter, LF, CR and quote at or after the scan position (n: none), found with
    // indexOf and refreshed when passed, so long fields are crossed in native code.
    let nd = -1;
    let nl = -1;
    let nc = -1;
    let nq = -1;
    let i = 0;
    for (; i < n; i++) {
      if (state === PLAIN) {
        if (nd < i) nd = find(text, this.o.delimiter, i, n);
        if (nl < i) nl = find(text, '\n', i, n);
        if (nc < i) nc = find(text, '\r', i, n);
        i = Math.min(nd, nl, nc);
        if (i === n) break;
      } else if (state === QUOTED) {
        if (nq < i) nq = find(text, this.o.quote, i, n);
        if (this.eol < 0) {
          if (nl < i) nl = find(text, '\n', i, n);
          if (nc < i) nc = find(text, '\r', i, n);
          const eol = Math.min(nl, nc);
          if (eol < nq) {
            this.eol = base + eol;
            this.eolCr = eol === nc;
          }
        }
        i = nq;
        if (i === n) break;
      }
      const c = text.charCodeAt(i);
      const at = base + i;
      switch (state) {
        case FIELD:
        case LEAD:
          if (c === D) state = FIELD;
          else if (c === LF) return this.done(at + 1);
          else if (c === CR) state = AFTER_CR;
          else if (c === Q) {
            state = QUOTED;
            this.open = at;
            this.eol = -1;
          } else if (c === SPACE || c === TAB) state = LEAD;
          else state = PLAIN;
          break;
        case PLAIN:
          if (c === D) state = FIELD;
          else if (c === LF) return this.done(at + 1);
          else if (c === CR) state = AFTER_CR;
          break;
        case QUOTED:
          if (c === Q) {
            state = QUOTE_SEEN;
            this.quoteAt = at;
          } else if ((c === LF || c === CR) && this.eol < 0) {
            this.eol = at;
            this.eolCr = c === CR;
          }
          break;
        case QUOTE_SEEN:
          if (c === Q) {
            state = QUOTED;
            break;
          }
          // The quote at `quoteAt` closes the field; the tokenizer gives up on it (unterminated)
          // when it closes too far away on another line.
          if (this.quoteAt - this.open > maxQuoted && this.eol >= 0 && this.eol < this.quoteAt) {
            return this.done(at);
          }
          state = AFTER;
          i--; // read this character after the closing quote
          continue;
        case AFTER:
          if (c === D) state = FIELD;
          else if (c === LF) return this.done(at + 1);
          else if (c === CR) state = AFTER_CR;
          else if (c !== B1 && c !== B2) state = PLAIN;
          break;
        default: // AFTER_CR: whatever comes next, the record ended at the CR
          return this.done(at);
      }
      const scanned = at + 1;
      if (state === QUOTED || state === QUOTE_SEEN) {
        // Open quote: decided once it has run past its bound (the tokenizer's test: where the
        // closing quote can be at the earliest) with its line ended (a CR needs what follows it).
        const earliest = state === QUOTE_SEEN ? scanned - 1 : scanned;
        if (this.eol >= 0 && earliest - this.open > maxQuoted && (!this.eolCr || this.eol + 1 < scanned)) {
          return this.done(scanned);
        }
        // Past the line bound, unless the field may yet be cut at a line end within the bound.
        if (scanned > maxLine + 1 && !(this.eol >= 0 && this.eol <= maxLine)) return this.done(scanned);
      } else if (scanned > maxLine + 1) {
        return this.done(scanned);
      }
    }
    this.state = state;
    this.seen = base + n;
    // After a jump to the end of the text: the same checks as after a character.
    if (state === QUOTED) {
      if (this.eol >= 0 && this.seen - this.open > maxQuoted && (!this.eolCr || this.eol + 1 < this.seen)) {
        return this.done(this.seen);
      }
      if (this.seen > maxLine + 1 && !(this.eol >= 0 && this.eol <= maxLine)) return this.done(this.seen);
    } else if (state === PLAIN && this.seen > maxLine + 1) {
      return this.done(this.seen);
    }
    return false;
  }

  private done(scanned: number): boolean {
    this.seen = scanned;
    this.decided = true;
    return true;
  }
}

function find(text: string, ch: string, from: number, n: number): number {
  if (ch === '') return n;
  const i = text.indexOf(ch, from);
  return i < 0 ? n : i;
}
