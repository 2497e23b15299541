import { StringDecoder } from 'node:string_decoder';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { RawValue } from '../../../common/types.ts';
import { type DatabaseReader, type TextRows, VERBATIM_ROW } from '../database/database-source.ts';
import { type CopyTextSource, type FieldCheck, verbatimRow } from '../verbatim-rows.ts';
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
): CopyReader {
  const getParser = SOURCE_TYPES.getTypeParser as (oid: number, format: 'text') => FieldParser;
  const parsers = fields.map((f) => getParser(f.dataTypeID, 'text'));
  const stream = client.query(copyTo(`COPY (${sql}) TO STDOUT`));
  // Its failures reach the reader through the iterator; one after the consumer let go (the
  // connection dropped by `close`) is not a process-wide uncaught error.
  stream.on('error', () => {});
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const decoder = new StringDecoder('utf8');
  /** Text after the last newline seen: the start of a row still arriving, in pieces. */
  let partial: string[] = [];
  let ended = false;
  let finished = false;
  let ahead: TextRows | undefined;
  let checks: readonly FieldCheck[] | null = null;

  const empty = (): TextRows => ({ values: [], texts: [], starts: [], ends: [], counts: [] });

  /** Up to about `max` rows; consecutive rows that go as they are, in one text, as one run. */
  const read = async (max: number): Promise<TextRows> => {
    const out = empty();
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
      const lastNewline = piece.lastIndexOf('\n');
      if (lastNewline === -1) {
        partial.push(piece);
        continue;
      }
      const text = partial.length > 0 ? partial.join('') + piece : piece;
      const end = text.length - (piece.length - lastNewline);
      partial = lastNewline + 1 < piece.length ? [piece.slice(lastNewline + 1)] : [];
      let start = 0;
      // The next backslash (escapes and NULLs), found once per text rather than once per row.
      let slash = checks ? text.indexOf('\\') : -1;
      while (start <= end) {
        const newline = text.indexOf('\n', start);
        if (slash !== -1 && slash < start) slash = text.indexOf('\\', start);
        const last = values.length - 1;
        if (checks && verbatimRow(text, start, newline, checks, slash)) {
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
      verbatim(columns) {
        // PostgreSQL's kinds all come with a check of their text.
        const given = columns.map((c) => c.check);
        if (given.every((c) => c !== null)) checks = given as FieldCheck[];
      },
    },
    reparse: (recordText) => parseCopyRow(recordText, 0, recordText.length, parsers),
    close: async () => {
      await hooks.close();
    },
  };
}
