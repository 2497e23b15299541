import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { RawValue } from '../../../common/types.ts';
import { type DatabaseReader, type TextRows, VERBATIM_ROW } from '../database/database-source.ts';
import { type CopyTextSource, type FieldCheck, verbatimRow } from '../verbatim-rows.ts';
import { type CopyDecoder, invalidBytesProblem, utf8Decoder } from './copy-decoder.ts';
import { type FieldParser, parseCopyRow } from './copy-text.ts';
import { copyTextKindOf, SOURCE_TYPES } from './pg-types.ts';

/** A PostgreSQL read through `COPY (…) TO STDOUT`, rows with their text (see `DatabaseReader.nextText`). */
export interface CopyReader extends DatabaseReader {
  nextText(max: number): Promise<TextRows>;
  /** Reads the first rows, so that a refused or failing statement fails the open, as a cursor's first read does. */
  start(): Promise<void>;
  /** One row's values from its text (without the newline), as `nextText` gave them. */
  reparse(recordText: string): RawValue[];
  /** Whether the server sent the whole result (the connection is free again). */
  readonly finished: boolean;
  /** Rows go on as their COPY text where the load allows (a row that does comes as `VERBATIM_ROW`). */
  readonly copyText: CopyTextSource;
}

/** The check of a column the load leaves out: any field (it is not written). */
const ANY_FIELD: FieldCheck = Object.assign(() => true, { escapes: true });

/** What `rewriteLine` does with a field: keeps it, leaves it out, or keeps a bytea's hex without its `\\x`. */
export const KEEP = 0;
export const LEAVE_OUT = 1;
export const HEX = 2;

/**
 * Row `text.slice(start, end)` written again: without the fields `ops` leaves out, a bytea's field
 * (`\\x…` in COPY text; NULL `\N` kept) without its 3-character prefix, as the usual path reads it.
 * A tab inside a value is escaped: each one separates fields. As few slices as stretches of fields kept.
 */
export function rewriteLine(text: string, start: number, end: number, ops: readonly number[]): string {
  let line = '';
  let wrote = false;
  /** Where the kept text being gathered begins (-1: none since the last field left out or cut). */
  let from = -1;
  let at = start;
  const gather = (to: number) => {
    line = wrote ? `${line}\t${text.slice(from, to)}` : text.slice(from, to);
    wrote = true;
    from = -1;
  };
  for (let i = 0; i < ops.length; i++) {
    let stop = text.indexOf('\t', at);
    if (stop === -1 || stop > end) stop = end;
    const op = ops[i];
    if (op === LEAVE_OUT) {
      if (from !== -1) gather(at - 1);
    } else if (
      op === HEX &&
      !(stop - at === 2 && text.charCodeAt(at) === 92 && text.charCodeAt(at + 1) === 78)
    ) {
      if (from !== -1) gather(at - 1);
      from = at + 3;
    } else if (from === -1) from = at;
    at = stop + 1;
  }
  if (from !== -1) gather(end);
  return line;
}

/**
 * Measured on the bench's 1M-row orders table (8 columns): draining it through pg-cursor takes
 * ~2.4 s in the driver's per-row message parsing, `COPY … TO STDOUT` ~0.8 s with the server's
 * text split here. The values are the same: the server writes each field with the same output
 * function in both cases, and each goes through the same parser as the cursor's (pg-types.ts).
 * Memory stays flat: the copy stream is read as the consumer asks (the socket pauses meanwhile).
 */
export function openCopyReader(
  client: pg.Client,
  sql: string,
  fields: readonly pg.FieldDef[],
  hooks: { fail: (error: unknown) => Error; close: () => Promise<void> },
  /** How the bytes become text (a SQL_ASCII database's: see copy-decoder.ts); default UTF-8. */
  decoder: CopyDecoder = utf8Decoder(),
): CopyReader {
  const getParser = SOURCE_TYPES.getTypeParser as (oid: number, format: 'text') => FieldParser;
  const parsers = fields.map((f) => getParser(f.dataTypeID, 'text'));
  const stream = client.query(copyTo(`COPY (${sql}) TO STDOUT`));
  // Its failures reach the reader through the iterator; one after the consumer let go (the
  // connection dropped by `close`) is not a process-wide uncaught error.
  stream.on('error', () => {});
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const names = fields.map((f) => f.name);
  const asText = fields.map(() => String);
  /** A row whose bytes were not all UTF-8, read for the report: by its parsers, or as the texts it holds. */
  const readAnyway = (text: string, start: number, end: number): RawValue[] => {
    try {
      return parseCopyRow(text, start, end, parsers);
    } catch {
      return parseCopyRow(text, start, end, asText);
    }
  };
  /** Text after the last newline seen: the start of a row still arriving, in pieces. */
  let partial: string[] = [];
  let ended = false;
  let finished = false;
  let ahead: TextRows | undefined;
  let checks: readonly FieldCheck[] | null = null;
  /** Per column, what `rewriteLine` does with its field (null: lines go as the server wrote them). */
  let rewrite: readonly number[] | null = null;

  const empty = (): TextRows => ({ values: [], texts: [], starts: [], ends: [], counts: [] });

  /** With `rewrite`: the run of rows being read, its entry in the batch and its lines so far. */
  let run: { at: number; lines: string[] } | null = null;
  /** Gives the run its text: its lines, each ending with a newline. */
  const endRun = (out: TextRows) => {
    if (!run) return;
    const text = `${run.lines.join('\n')}\n`;
    out.texts[run.at] = text;
    out.ends[run.at] = text.length - 1;
    run = null;
  };

  /** Up to about `max` rows; consecutive rows that go as they are, in one text, as one run. */
  const read = async (max: number): Promise<TextRows> => {
    const out = empty();
    run = null;
    const { values, texts, starts, ends, counts } = out;
    let rows = 0;
    while (rows < max && !ended) {
      let chunk: IteratorResult<Buffer>;
      try {
        chunk = await chunks.next();
      } catch (error) {
        ended = true;
        throw error;
      }
      if (chunk.done) {
        ended = true;
        finished = true;
        const rest = partial.join('') + decoder.end();
        if (rest.length > 0) {
          // The server ends every row with a newline: text after the last one means a cut stream.
          throw new Error('the COPY stream ended inside a row');
        }
        break;
      }
      const piece = decoder.write(chunk.value);
      // Lines whose bytes were not UTF-8 (a SQL_ASCII database's), by where they start in `piece`.
      const invalid = decoder.invalid;
      const lastNewline = piece.lastIndexOf('\n');
      if (lastNewline === -1) {
        partial.push(piece);
        continue;
      }
      const text = partial.length > 0 ? partial.join('') + piece : piece;
      const pieceAt = text.length - piece.length;
      const end = text.length - (piece.length - lastNewline);
      partial = lastNewline + 1 < piece.length ? [piece.slice(lastNewline + 1)] : [];
      let start = 0;
      // The next backslash (escapes and NULLs), found once per text rather than once per row.
      let slash = checks ? text.indexOf('\\') : -1;
      while (start <= end) {
        const newline = text.indexOf('\n', start);
        if (slash !== -1 && slash < start) slash = text.indexOf('\\', start);
        const last = values.length - 1;
        const badBytes = invalid === null ? undefined : invalid.get(start - pieceAt);
        if (badBytes) {
          // Read as far as it can be (U+FFFD for the bad bytes) and rejected, saying which bytes.
          (out.problems ??= {})[values.length] = invalidBytesProblem(badBytes, names);
          values.push(readAnyway(text, start, newline));
          texts.push('');
          starts.push(0);
          ends.push(0);
          counts.push(1);
        } else if (checks && rewrite && verbatimRow(text, start, newline, checks, slash)) {
          // Its line written again, into the run's own text (made when the run ends).
          const line = rewriteLine(text, start, newline, rewrite);
          if (run && last === run.at) {
            run.lines.push(line);
            counts[last]!++;
          } else {
            endRun(out);
            run = { at: values.length, lines: [line] };
            values.push(VERBATIM_ROW);
            texts.push('');
            starts.push(0);
            ends.push(0);
            counts.push(1);
          }
        } else if (checks && !rewrite && verbatimRow(text, start, newline, checks, slash)) {
          if (
            last >= 0 &&
            values[last] === VERBATIM_ROW &&
            texts[last] === text &&
            ends[last]! + 1 === start
          ) {
            ends[last] = newline;
            counts[last]!++;
          } else {
            values.push(VERBATIM_ROW);
            texts.push(text);
            starts.push(start);
            ends.push(newline);
            counts.push(1);
          }
        } else {
          values.push(parseCopyRow(text, start, newline, parsers));
          texts.push(text);
          starts.push(start);
          ends.push(newline);
          counts.push(1);
        }
        rows++;
        start = newline + 1;
      }
    }
    endRun(out);
    return out;
  };

  return {
    get finished() {
      return finished;
    },
    async start() {
      ahead = await read(1);
    },
    async nextText(max) {
      if (ahead) {
        const rows = ahead;
        ahead = undefined;
        if (rows.values.length > 0) return rows;
      }
      try {
        return await read(max);
      } catch (error) {
        throw hooks.fail(error);
      }
    },
    async next(max) {
      return (await this.nextText(max)).values;
    },
    copyText: {
      kinds: fields.map((f) => copyTextKindOf(f.dataTypeID)),
      // The server writes every field; a line can be written again without some of them (or with a
      // bytea's hex without its prefix).
      skips: true,
      verbatim(columns) {
        // PostgreSQL's kinds all come with a check of their text; a column left out takes any.
        const given = columns.map((c) => (c.skip ? ANY_FIELD : c.check));
        if (!given.every((c) => c !== null)) return;
        checks = given as FieldCheck[];
        const ops = columns.map((c) => (c.skip ? LEAVE_OUT : c.kind === 'bytea' ? HEX : KEEP));
        rewrite = ops.some((op) => op !== KEEP) ? ops : null;
      },
    },
    reparse: (recordText) => parseCopyRow(recordText, 0, recordText.length, parsers),
    close: async () => {
      await hooks.close();
    },
  };
}
