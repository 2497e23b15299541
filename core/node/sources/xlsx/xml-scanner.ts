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

/** Feeds text in chunks of any size to an `XmlHandler`. */
export class XmlScanner {
  private rest = '';

  constructor(private readonly handler: XmlHandler) {}

  /** Scans a chunk; an incomplete token at its end is kept for the next one. */
  write(chunk: string): void {
    const buf = this.rest.length > 0 ? this.rest + chunk : chunk;
    this.rest = '';
    const handler = this.handler;
    const length = buf.length;
    let pos = 0;
    while (pos < length) {
      const lt = buf.indexOf('<', pos);
      if (lt < 0) {
        // Text up to the end: keep it whole only when it is wanted (entities may be cut).
        if (handler.wantText) this.rest = buf.slice(pos);
        return;
      }
      if (lt > pos) {
        if (handler.wantText) handler.text(decodeText(buf.slice(pos, lt)));
        pos = lt;
      }
      const next = buf.charCodeAt(lt + 1);
      if (next === 0x2f) {
        // </name>
        const gt = buf.indexOf('>', lt + 2);
        if (gt < 0) break;
        handler.close(localName(buf, lt + 2, gt));
        pos = gt + 1;
        continue;
      }
      if (next === 0x3f) {
        // <?pi ?>
        const end = buf.indexOf('?>', lt + 2);
        if (end < 0) break;
        pos = end + 2;
        continue;
      }
      if (next === 0x21) {
        const end = this.special(buf, lt);
        if (end < 0) break;
        pos = end;
        continue;
      }
      if (Number.isNaN(next)) break;
      // <name attr="v" ...> : find the '>' outside quoted attribute values.
      let i = lt + 1;
      let quote = 0;
      for (; i < length; i++) {
        const c = buf.charCodeAt(i);
        if (quote !== 0) {
          if (c === quote) quote = 0;
        } else if (c === 0x3e) {
          break;
        } else if (c === 0x22 || c === 0x27) {
          quote = c;
        }
      }
      if (i >= length) break;
      const selfClosing = buf.charCodeAt(i - 1) === 0x2f;
      const end = selfClosing ? i - 1 : i;
      const afterName = nameEnd(buf, lt + 1, end);
      const name = localName(buf, lt + 1, afterName);
      handler.open(name, buf, afterName, end);
      if (selfClosing) handler.close(name);
      pos = i + 1;
    }
    if (pos < length) this.rest = buf.slice(pos);
  }

  /** `<!-- -->`, `<![CDATA[ ]]>` or `<!DOCTYPE …>` at `lt`: returns the index after it, -1 if incomplete. */
  private special(buf: string, lt: number): number {
    if (buf.startsWith('!--', lt + 1)) {
      const end = buf.indexOf('-->', lt + 4);
      return end < 0 ? -1 : end + 3;
    }
    if (buf.startsWith('![CDATA[', lt + 1)) {
      const end = buf.indexOf(']]>', lt + 9);
      if (end < 0) return -1;
      if (this.handler.wantText) this.handler.text(buf.slice(lt + 9, end));
      return end + 3;
    }
    if (buf.length - lt < 10) return -1;
    // <!DOCTYPE …> possibly with an internal subset in [ ]: skipped, never interpreted.
    let depth = 0;
    for (let i = lt + 2; i < buf.length; i++) {
      const c = buf.charCodeAt(i);
      if (c === 0x5b) depth++;
      else if (c === 0x5d) depth--;
      else if (c === 0x3e && depth <= 0) return i + 1;
    }
    return -1;
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
