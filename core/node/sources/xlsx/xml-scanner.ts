/**
 * A small streaming XML tokenizer for the machine-written parts of an XLSX file.
 * It reports element names without their namespace prefix, hands over the raw tag text so that
 * only the attributes a handler needs are read, and decodes text only where the handler asks
 * for it. It checks well-formedness only as far as needed to never misread or hang; DTDs are
 * skipped, never expanded.
 */

/** Receives what the scanner finds. */
export interface XmlHandler {
  /**
   * An element starts. Its attributes are the text `source[start, end)` (read them with
   * `readAttributes`); passing the range instead of a slice saves a string per element.
   */
  open(name: string, source: string, start: number, end: number): void;
  /** An element ends (also called right after `open` for `<empty/>`). */
  close(name: string): void;
  /** Character data, entities decoded. Called only while `wantText` is true. */
  text(text: string): void;
  /** Whether the handler wants the text at the current position. */
  readonly wantText: boolean;
}

/**
 * Longest tag accepted (name and attributes), in characters. Machine-written tags are short (a
 * `<worksheet>` with its namespaces is about 1 KiB); a longer one is a damaged or hostile part.
 */
export const MAX_TAG_CHARS = 1024 * 1024;

/** What the scanner is inside of when a chunk ends. */
const TEXT = 0;
const START_TAG = 1;
const END_TAG = 2;
const COMMENT = 3;
const PI = 4;
const CDATA = 5;
const DOCTYPE = 6;

/** Longest entity or character reference (`&#x10FFFF;`): held back when a chunk ends inside one. */
const MAX_ENTITY = 12;

/**
 * Feeds text in chunks of any size to an `XmlHandler`. The scan state is carried from one chunk
 * to the next (what it is inside of, a tag's pieces, the last characters of a comment), so each
 * character is scanned a constant number of times however long a comment, a text or a tag is: a
 * 200 MB open comment costs one pass, not one pass per chunk. Wanted text is handed over as it
 * arrives (in pieces), so a long text is never held here either.
 */
export class XmlScanner {
  private mode = TEXT;
  /** A few characters carried to the next chunk in TEXT mode: a cut `<`, `<!…` or entity, a CR. */
  private carry = '';
  /** START_TAG / END_TAG: the tag's text so far, in pieces. */
  private tag: string[] = [];
  private tagLength = 0;
  /** START_TAG: the quote of the attribute value being read, or 0. */
  private quote = 0;
  /** COMMENT / PI / CDATA: the last characters of the previous chunk (a terminator may straddle). */
  private tail = '';
  /** DOCTYPE: depth of `[` … `]`. */
  private depth = 0;

  constructor(private readonly handler: XmlHandler) {}

  /**
   * Scans a chunk.
   * @throws Error when a tag is longer than MAX_TAG_CHARS (the part is damaged)
   */
  write(chunk: string): void {
    const buf = this.carry.length > 0 ? this.carry + chunk : chunk;
    this.carry = '';
    let pos = this.mode === TEXT ? 0 : this.resume(buf);
    const handler = this.handler;
    const length = buf.length;
    while (pos >= 0 && pos < length) {
      const lt = buf.indexOf('<', pos);
      if (lt < 0) {
        this.trailingText(buf, pos);
        return;
      }
      if (lt > pos && handler.wantText) handler.text(decodeText(buf.slice(pos, lt)));
      if (lt + 1 === length) {
        this.carry = '<';
        return;
      }
      const next = buf.charCodeAt(lt + 1);
      if (next === 0x2f) {
        // </name>
        const gt = buf.indexOf('>', lt + 2);
        if (gt < 0) {
          this.openTag(END_TAG, buf.slice(lt));
          return;
        }
        handler.close(localName(buf, lt + 2, gt));
        pos = gt + 1;
      } else if (next === 0x3f) {
        // <?pi ?>
        pos = this.skipTo(PI, buf, lt + 2, '?>');
      } else if (next === 0x21) {
        pos = this.special(buf, lt);
      } else {
        // <name attr="v" ...> : the '>' outside quoted attribute values.
        this.quote = 0;
        const gt = this.tagEnd(buf, lt + 1);
        if (gt < 0) {
          this.openTag(START_TAG, buf.slice(lt));
          return;
        }
        this.startTag(buf, lt, gt);
        pos = gt + 1;
      }
    }
  }

  /**
   * Ends the input.
   * @throws Error when it ends inside a tag, comment, CDATA section, PI or DOCTYPE (a truncated part)
   */
  end(): void {
    const inside = [
      '',
      'a tag',
      'a closing tag',
      'a comment',
      'a processing instruction',
      'a CDATA section',
      'a DOCTYPE',
    ][this.mode];
    if (inside) throw new Error(`the XML ends inside ${inside}`);
    if (this.carry.startsWith('<')) throw new Error('the XML ends inside a tag');
    if (this.carry.length > 0 && this.handler.wantText) this.handler.text(decodeText(this.carry));
    this.carry = '';
  }

  /** `<!--`, `<![CDATA[` or `<!DOCTYPE` at `lt`: returns where scanning goes on, -1 for the next chunk. */
  private special(buf: string, lt: number): number {
    if (buf.startsWith('!--', lt + 1)) return this.skipTo(COMMENT, buf, lt + 4, '-->');
    if (buf.startsWith('![CDATA[', lt + 1)) return this.skipTo(CDATA, buf, lt + 9, ']]>');
    if (buf.length - lt < 10) {
      // Too short to tell a comment or CDATA from a DOCTYPE yet.
      this.carry = buf.slice(lt);
      return -1;
    }
    this.depth = 0;
    return this.doctype(buf, lt + 2);
  }

  /** Picks up a construct the previous chunk left open; returns where scanning goes on, or -1. */
  private resume(buf: string): number {
    switch (this.mode) {
      case START_TAG: {
        const gt = this.tagEnd(buf, 0);
        if (gt < 0) return this.addToTag(buf);
        const tag = this.tagText(buf.slice(0, gt + 1));
        this.startTag(tag, 0, tag.length - 1);
        return gt + 1;
      }
      case END_TAG: {
        const gt = buf.indexOf('>');
        if (gt < 0) return this.addToTag(buf);
        const tag = this.tagText(buf.slice(0, gt + 1));
        this.handler.close(localName(tag, 2, tag.length - 1));
        return gt + 1;
      }
      case COMMENT:
        return this.skipTo(COMMENT, buf, 0, '-->');
      case PI:
        return this.skipTo(PI, buf, 0, '?>');
      case CDATA:
        return this.skipTo(CDATA, buf, 0, ']]>');
      default:
        return this.doctype(buf, 0);
    }
  }

  /**
   * Skips to the end of a comment, PI or CDATA section (`terminator`), from `from` (and the
   * previous chunk's `tail`), handing CDATA text to the handler when it wants it. Returns the index
   * after the terminator, or -1 when it is in a later chunk (then the mode is `mode`).
   */
  private skipTo(mode: number, buf: string, from: number, terminator: string): number {
    const tail = this.mode === mode ? this.tail : '';
    this.tail = '';
    // The tail is at most two characters, so joining it costs nothing.
    const text = tail.length > 0 ? tail + buf.slice(from) : from === 0 ? buf : buf.slice(from);
    const end = text.indexOf(terminator);
    const keep = terminator.length - 1;
    if (end < 0) {
      this.mode = mode;
      const cut = Math.max(0, text.length - keep);
      if (mode === CDATA && cut > 0 && this.handler.wantText) this.handler.text(text.slice(0, cut));
      this.tail = text.slice(cut);
      return -1;
    }
    this.mode = TEXT;
    if (mode === CDATA && end > 0 && this.handler.wantText) this.handler.text(text.slice(0, end));
    return from + end + terminator.length - tail.length;
  }

  /** Skips a DOCTYPE (brackets counted, never interpreted) from `from`; -1 when it goes on. */
  private doctype(buf: string, from: number): number {
    let depth = this.depth;
    for (let i = from; i < buf.length; i++) {
      const c = buf.charCodeAt(i);
      if (c === 0x5b) depth++;
      else if (c === 0x5d) depth--;
      else if (c === 0x3e && depth <= 0) {
        this.mode = TEXT;
        return i + 1;
      }
    }
    this.mode = DOCTYPE;
    this.depth = depth;
    return -1;
  }

  /** Index of the `>` that ends a start tag, from `from`, outside quoted values; -1 if not here. */
  private tagEnd(buf: string, from: number): number {
    let quote = this.quote;
    const length = buf.length;
    for (let i = from; i < length; i++) {
      const c = buf.charCodeAt(i);
      if (quote !== 0) {
        if (c === quote) quote = 0;
      } else if (c === 0x3e) {
        this.quote = 0;
        return i;
      } else if (c === 0x22 || c === 0x27) {
        quote = c;
      }
    }
    this.quote = quote;
    return -1;
  }

  /** Reports the start tag `buf[lt, gt]` (from `<` to `>`). */
  private startTag(buf: string, lt: number, gt: number): void {
    const selfClosing = buf.charCodeAt(gt - 1) === 0x2f;
    const end = selfClosing ? gt - 1 : gt;
    const afterName = nameEnd(buf, lt + 1, end);
    const name = localName(buf, lt + 1, afterName);
    this.handler.open(name, buf, afterName, end);
    if (selfClosing) this.handler.close(name);
  }

  /** Starts keeping a tag that the chunk cuts (the rest of the chunk is the tag's). */
  private openTag(mode: number, piece: string): void {
    this.mode = mode;
    this.tag = [];
    this.tagLength = 0;
    this.addToTag(piece);
  }

  private addToTag(piece: string): number {
    this.tag.push(piece);
    this.tagLength += piece.length;
    if (this.tagLength > MAX_TAG_CHARS) {
      throw new Error(`an XML tag longer than ${MAX_TAG_CHARS.toLocaleString('en-US')} characters`);
    }
    return -1;
  }

  /** The whole tag, its last piece added; back to TEXT mode. */
  private tagText(last: string): string {
    this.addToTag(last);
    const tag = this.tag.join('');
    this.tag = [];
    this.tagLength = 0;
    this.mode = TEXT;
    return tag;
  }

  /**
   * Text from `pos` to the end of the chunk: handed over when wanted, except a cut entity or a CR
   * (it may be half of a CRLF), which wait for the next chunk.
   */
  private trailingText(buf: string, pos: number): void {
    if (!this.handler.wantText) return;
    let cut = buf.length;
    const amp = buf.lastIndexOf('&');
    if (amp >= pos && buf.indexOf(';', amp) < 0 && buf.length - amp < MAX_ENTITY) cut = amp;
    if (cut > pos && buf.charCodeAt(cut - 1) === 0x0d) cut--;
    if (cut > pos) this.handler.text(decodeText(buf.slice(pos, cut)));
    this.carry = buf.slice(cut);
  }
}

function nameEnd(text: string, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) return i;
  }
  return end;
}

/** The element name in `text[start, end)` without its namespace prefix and trailing blanks. */
function localName(text: string, start: number, end: number): string {
  while (end > start && text.charCodeAt(end - 1) <= 0x20) end--;
  let from = start;
  for (let i = end - 1; i >= start; i--) {
    if (text.charCodeAt(i) === 0x3a) {
      from = i + 1;
      break;
    }
  }
  return text.slice(from, end);
}

/**
 * Reads the attributes in `tag[start, end)` into `out`, by local name (`r:id` is found as `id`),
 * entities decoded. `names` and `out` are parallel; an absent attribute leaves `undefined`.
 */
export function readAttributes(
  tag: string,
  start: number,
  end: number,
  names: readonly string[],
  out: (string | undefined)[],
): void {
  for (let k = 0; k < names.length; k++) out[k] = undefined;
  const length = end;
  let i = start;
  while (i < length) {
    let c = tag.charCodeAt(i);
    if (c <= 0x20) {
      i++;
      continue;
    }
    const nameFrom = i;
    while (i < length && (c = tag.charCodeAt(i)) !== 0x3d && c > 0x20) i++;
    const nameTo = i;
    while (i < length && tag.charCodeAt(i) !== 0x3d) i++;
    i++; // '='
    while (i < length && tag.charCodeAt(i) <= 0x20) i++;
    const quote = tag.charCodeAt(i);
    if (quote !== 0x22 && quote !== 0x27) return; // malformed: stop reading attributes
    const valueStart = i + 1;
    const valueEnd = tag.indexOf(quote === 0x22 ? '"' : "'", valueStart);
    if (valueEnd < 0 || valueEnd >= length) return;
    i = valueEnd + 1;
    let colon = -1;
    for (let k = nameTo - 1; k >= nameFrom; k--) {
      if (tag.charCodeAt(k) === 0x3a) {
        colon = k;
        break;
      }
    }
    const nameStart = colon >= 0 ? colon + 1 : nameFrom;
    for (let k = 0; k < names.length; k++) {
      const want = names[k]!;
      if (want.length === nameTo - nameStart && tag.startsWith(want, nameStart)) {
        if (colon >= 0 && tag.startsWith('xmlns', nameFrom)) break; // a namespace declaration
        out[k] = decodeEntities(tag.slice(valueStart, valueEnd));
        break;
      }
    }
  }
}

/** One attribute by local name (for tags read once, such as `<workbookPr>`). */
export function attribute(tag: string, start: number, end: number, name: string): string | undefined {
  const out: (string | undefined)[] = [undefined];
  readAttributes(tag, start, end, [name], out);
  return out[0];
}

const ENTITY = /&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);/g;
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Replaces the five XML entities and character references; anything else stays as written. */
export function decodeEntities(text: string): string {
  if (text.indexOf('&') < 0) return text;
  return text.replace(ENTITY, (whole, body: string) => {
    if (body.charCodeAt(0) !== 0x23) return NAMED[body] ?? whole;
    const code =
      body.charCodeAt(1) === 0x78 ? Number.parseInt(body.slice(2), 16) : Number.parseInt(body.slice(1), 10);
    return code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/** Character data as an XML processor reports it: line ends normalized, entities decoded. */
function decodeText(text: string): string {
  if (text.indexOf('\r') >= 0) text = text.replace(/\r\n?/g, '\n');
  return decodeEntities(text);
}
