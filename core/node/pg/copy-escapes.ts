// PostgreSQL's COPY text format: a field's backslash escapes (what the server writes and reads).

const SIMPLE_ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/**
 * A COPY text field with its backslash escapes decoded: `\b \f \n \r \t \v`, octal `\ddd` (1–3
 * digits), hex `\xhh` (1–2 digits), and a backslash before any other character (`\\`, the
 * delimiter) standing for that character. Octal and hex escapes give bytes; the server writes them
 * only for bytes of the client encoding (UTF-8), so they are decoded as UTF-8 together.
 */
export function unescapeCopyField(text: string, start: number, end: number): string {
  let out = '';
  let from = start;
  let bytes: number[] | null = null;
  let slash = text.indexOf('\\', start);
  while (slash !== -1 && slash < end - 1) {
    const next = text[slash + 1]!;
    let after = slash + 2;
    let byte = -1;
    if (next >= '0' && next <= '7') {
      byte = 0;
      after = slash + 1;
      while (after < end && after < slash + 4 && text[after]! >= '0' && text[after]! <= '7') {
        byte = byte * 8 + (text.charCodeAt(after++) - 48);
      }
    } else if (next === 'x' && slash + 2 < end && isHex(text.charCodeAt(slash + 2))) {
      after = slash + 3;
      if (after < end && isHex(text.charCodeAt(after))) after++;
      byte = Number.parseInt(text.slice(slash + 2, after), 16);
    }
    if (byte >= 0) {
      // Bytes of one character come as consecutive escapes: decoded together.
      if (bytes === null || slash !== from) {
        if (bytes) out += Buffer.from(bytes).toString('utf8');
        out += text.slice(from, slash);
        bytes = [];
      }
      bytes.push(byte & 0xff);
    } else {
      if (bytes) {
        out += Buffer.from(bytes).toString('utf8');
        bytes = null;
      }
      out += text.slice(from, slash) + (SIMPLE_ESCAPES[next] ?? next);
    }
    from = after;
    slash = text.indexOf('\\', after);
  }
  if (bytes) out += Buffer.from(bytes).toString('utf8');
  return out + text.slice(from, end);
}

function isHex(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);
}
