import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { CopyBytes, PIECE_BYTES } from './copy-bytes.ts';

/**
 * One `COPY … FROM STDIN` in progress, fed pieces of COPY text (UTF-8 bytes, about PIECE_BYTES
 * each: few writes, bounded memory) with backpressure. Once the server has refused the data (the
 * stream's `error`), nothing more is written: pg-copy-streams drops its connection on error and
 * would crash on a later write.
 */
export class CopyIn {
  private readonly stream: ReturnType<typeof copyFrom>;
  /** Lines given as strings (`push`), gathered into a piece. */
  private lines: CopyBytes | null = null;
  private error: Error | null = null;
  private wake: (() => void) | null = null;
  /** While the socket is full: the one wait every write until its `drain` shares (one listener, not one per piece). */
  private draining: Promise<void> | null = null;
  private ending = false;
  /** Every piece written (or held back after a refusal), when the caller asked to keep the text. */
  readonly pieces: Buffer[] | null;

  /** `keepText`: remember the text sent, so a refused chunk can be staged again without re-serialising it. */
  constructor(client: pg.Client, sql: string, keepText = false) {
    this.pieces = keepText ? [] : null;
    this.stream = client.query(copyFrom(sql));
    this.stream.on('error', (error: Error) => {
      this.error = error;
      this.wake?.();
    });
  }

  /** The server's refusal, once it happened. */
  get failed(): Error | null {
    return this.error;
  }

  /** Adds one line of COPY text (escaped, ending in `\n`); resolves later only when the socket asks us to wait. */
  push(line: string): Promise<void> | undefined {
    const lines = (this.lines ??= new CopyBytes());
    lines.putRaw(line);
    return lines.used >= PIECE_BYTES ? this.write(lines.take()) : undefined;
  }

  /**
   * Sends a piece of whole lines; resolves later only when the socket asks us to wait. Pieces
   * written while it is full (a run of pieces written at once) share one wait: a listener each made
   * Node warn of a listener leak past ten, on the operator's terminal.
   */
  write(piece: Buffer): Promise<void> | undefined {
    if (piece.length === 0) return undefined;
    this.pieces?.push(piece);
    if (this.error) return undefined;
    if (this.stream.write(piece)) return undefined;
    this.draining ??= new Promise((resolve) => {
      const done = () => {
        this.stream.off('drain', done);
        this.wake = null;
        this.draining = null;
        resolve();
      };
      this.wake = done;
      this.stream.on('drain', done);
    });
    return this.draining;
  }

  /**
   * Ends an unfinished COPY with CopyFail, so the server leaves COPY mode. Needed on cancel or
   * failure: a backend blocked waiting for COPY data does not act on a cancel request, and the
   * connection would stay busy for ever.
   */
  async abort(): Promise<void> {
    if (this.error || this.ending) return;
    const stream = this.stream;
    await new Promise<void>((resolve) => {
      stream.once('close', () => resolve());
      stream.destroy(new Error('load stopped'));
    });
  }

  /** Sends the rest and ends the COPY; resolves with the row count, rejects with the server's error. */
  async finish(): Promise<number> {
    this.ending = true;
    if (this.lines && this.lines.used > 0) await this.write(this.lines.take());
    if (this.error) throw this.error;
    const stream = this.stream;
    await new Promise<void>((resolve, reject) => {
      if (this.error) {
        reject(this.error);
        return;
      }
      stream.once('finish', resolve);
      this.wake = () => reject(this.error);
      stream.end();
    });
    return stream.rowCount;
  }
}
