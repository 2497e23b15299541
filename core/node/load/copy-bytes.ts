/** A piece of COPY text is handed on once it holds about this many bytes. */
export const PIECE_BYTES = 256 * 1024;

/**
 * COPY text being written, as UTF-8 bytes in a Buffer (off V8's heap). Rows are encoded straight
 * into it: building each row as a JS string first cost two dozen short-lived strings per row and,
 * while a piece filled, ropes that lived long enough to be promoted to V8's old space (GC time).
 */
export class CopyBytes {
  buf: Buffer;
  used = 0;

  constructor(private readonly size = PIECE_BYTES + 64 * 1024) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** Makes room for `n` more bytes (keeping what is written). */
  room(n: number): Buffer {
    if (this.used + n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.used + n));
      this.buf.copy(bigger, 0, 0, this.used);
      this.buf = bigger;
    }
    return this.buf;
  }

  /** Appends text that is already COPY text (no escaping). */
  putRaw(text: string): void {
    this.room(text.length * 3);
    this.used += this.buf.write(text, this.used);
  }

  /** Appends `text.slice(start, end)` (of a Buffer: bytes `start` to `end`), already COPY text, and a newline. */
  putLine(text: string | Buffer, start: number, end: number): void {
    if (typeof text === 'string') {
      this.room((end - start) * 3 + 1);
      this.used += this.buf.write(text.slice(start, end), this.used);
    } else {
      this.room(end - start + 1);
      this.used += text.copy(this.buf, this.used, start, end);
    }
    this.buf[this.used++] = 0x0a;
  }

  /**
   * Hands over what is written and starts again: a small piece is copied out and the buffer kept (a
   * fresh buffer for every few rows written between runs of verbatim rows would churn memory).
   */
  take(): Buffer {
    if (this.used * 4 < this.buf.length) {
      const small = Buffer.from(this.buf.subarray(0, this.used));
      this.used = 0;
      return small;
    }
    const piece = this.buf.subarray(0, this.used);
    this.buf = Buffer.allocUnsafe(this.size);
    this.used = 0;
    return piece;
  }
}
