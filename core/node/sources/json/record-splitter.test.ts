import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LoadstoneError } from '../../../common/errors.ts';
import type { ColumnType } from '../../../common/types.ts';
import type { SourceRow } from '../types.ts';
import { ArrayRecordAssembler } from './json-assembler.ts';
import { type JsonCopyRuns, jsonCopyReparse } from './json-copy-rows.ts';
import { ColumnIndex, type ParsedOutput, ProblemItem, RecordItem, stringifyRaw } from './json-record.ts';
import { createTokenizer, NONE } from './json-tokens.ts';
import { copyRunsFor } from './json-verbatim-fixtures.ts';
import { RecordSplitter, SplitSyntaxError } from './record-splitter.ts';
import { RecordsRouter } from './records-path.ts';

/** What an item says, values as exact JSON text. */
function summary(items: ParsedOutput[]): string[] {
  return items.map((item) => {
    if (item instanceof RecordItem) {
      // A repeated key: the last value wins (JSON.parse keeps one key, the token reader both).
      const fields = new Map<string, string>();
      for (let i = 0; i < item.keys.length; i++) fields.set(item.keys[i]!, stringifyRaw(item.values[i]!));
      return `${item.line}:record:${[...fields].map(([k, v]) => `${k}=${v}`).join('|')}`;
    }
    if (item instanceof ProblemItem) return `${item.line}:${item.reason}:${item.message}:${item.rawText}`;
    return `${item.line}:row:${item.values.map((v) => stringifyRaw(v)).join('|')}:${item.problem?.message}`;
  });
}

interface Outcome {
  items: string[];
  captured: string;
  error: string | undefined;
  done: boolean;
}

function outcome(
  router: RecordsRouter,
  out: ParsedOutput[],
  error: unknown,
  cut: (items: string[]) => string[],
): Outcome {
  let code: string | undefined;
  if (error !== undefined) {
    code = error instanceof LoadstoneError ? error.code : 'syntax';
  }
  return {
    // Past an error, only the error matters.
    items: code === undefined ? summary(out) : cut(summary(out)),
    captured: JSON.stringify([...router.captured]),
    error: code,
    done: router.recordsDone,
  };
}

/** The body read token by token (as before the splitter). */
function byTokens(chunks: string[], records: string | undefined, columns?: ColumnIndex): Outcome {
  const assembler = new ArrayRecordAssembler('body');
  if (columns) assembler.fixColumns(columns);
  const router = new RecordsRouter(records, ['next'], assembler);
  const tokenize = createTokenizer();
  const out: ParsedOutput[] = [];
  let error: unknown;
  try {
    for (const chunk of [...chunks, NONE] as const) router.consume(tokenize(chunk), out);
  } catch (e) {
    error = e;
  }
  return outcome(router, out, error, () => []);
}

/** Rows seen written as COPY text (so the property below is known to exercise the writer). */
let writtenRows = 0;

/** Runs of rows written as COPY text, read back into one row each (as the loader would for a report). */
function expandRuns(out: ParsedOutput[], types: readonly ColumnType[]): ParsedOutput[] {
  const reparse = jsonCopyReparse(types);
  return out.flatMap((item) => {
    const row = item as SourceRow;
    if (!row.verbatim) return [item];
    const lines = row.bytes!.toString('utf8', row.textStart, row.textEnd).split('\n');
    writtenRows += lines.length;
    return lines.map((line, k) => ({ line: row.line + k, values: reparse(line) }));
  });
}

/** The body read through the splitter (with the COPY writer when `copy` is given). */
function bySplitter(
  chunks: string[],
  records: string | undefined,
  columns?: ColumnIndex,
  copy?: { runs: JsonCopyRuns; types: readonly ColumnType[] },
): Outcome {
  const assembler = new ArrayRecordAssembler('body');
  if (columns) assembler.fixColumns(columns);
  const router = new RecordsRouter(records, ['next'], assembler);
  const tokenize = createTokenizer();
  const splitter = new RecordSplitter(
    router,
    assembler,
    (text, out) => router.consume(tokenize(text), out),
    copy?.runs,
  );
  if (columns) splitter.fixColumns(columns);
  const out: ParsedOutput[] = [];
  let error: unknown;
  try {
    for (const chunk of chunks) splitter.push(chunk, out);
    splitter.end(out);
    router.consume(tokenize(NONE), out);
  } catch (e) {
    error = e instanceof SplitSyntaxError ? new Error(e.message) : e;
  }
  return outcome(router, copy ? expandRuns(out, copy.types) : out, error, () => []);
}

function cutAt(text: string, cuts: number[]): string[] {
  const chunks: string[] = [];
  let from = 0;
  for (const cut of [...new Set(cuts)].sort((a, b) => a - b)) {
    if (cut <= from || cut >= text.length) continue;
    chunks.push(text.slice(from, cut));
    from = cut;
  }
  chunks.push(text.slice(from));
  return chunks;
}

const ELEMENTS = [
  '{"id":1,"name":"a"}',
  '{"id":12345678901234567890,"amount":1.10}',
  '{"tags":["x","]",{"n":1.10}],"deep":{"a":{"b":[1,2,3]}}}',
  '{"s":"a \\" [ { ] } , \\\\","e":"\\u00e9😀"}',
  '{"k":"\\\\\\\\\\"q\\\\","n":3}',
  '"\\\\\\"]"',
  ' { "id" : -0.5e10 , "ok" : true , "no" : null } ',
  '{}',
  '{"__proto__":{"x":1},"id":2}',
  '{"a":1,"a":2}',
  '{"late":"not a column"}',
  '12',
  '"text"',
  'null',
  '[1,{"a":[]}]',
  '{"a":1',
  '{"a":tru}',
  'nul',
  '{"a":1}}',
  '{"a":"\t"}',
  '{"a":"b\\x"}',
];

describe('RecordSplitter', () => {
  it('gives the same records, problems, captured fields and errors as the token reader, whatever the chunking (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...ELEMENTS), { maxLength: 8 }),
        fc.constantFrom(
          {
            records: 'data' as string | undefined,
            head: '{"meta":{"list":[1,"[x"]},"data":[',
            tail: '],"next":"c\\"2"}',
          },
          { records: 'data', head: '{"data":\n[\n', tail: '\n]\n,"next":7}' },
          { records: 'r.items', head: '{"r":{"items":[', tail: ']},"next":null}' },
          { records: undefined, head: '[', tail: ']' },
          { records: 'data', head: '{"data":[', tail: '' },
        ),
        fc.constantFrom(',', ' , ', ',,', ''),
        fc.array(fc.nat(200), { maxLength: 6 }),
        fc.boolean(),
        (elements, shape, separator, cuts, withColumns) => {
          const body = shape.head + elements.join(separator) + shape.tail;
          const columns = withColumns ? new ColumnIndex() : undefined;
          columns?.learn(['id', 'name', 'amount', 'a']);
          const expected = byTokens([body], shape.records, columns);
          const got = bySplitter(cutAt(body, cuts), shape.records, columns);
          expect(got.error).toBe(expected.error);
          if (expected.error === undefined) expect(got).toEqual(expected);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('with the COPY writer on, gives the same rows (runs read back) and errors, whatever the chunking (property)', () => {
    const names = ['id', 'name', 'amount', 'a'];
    const types: ColumnType[] = ['bigint', 'text', 'numeric', 'text'];
    const passing = [
      '{"id":1,"name":"a","amount":1.10,"a":null}',
      ' { "id" : 2 , "name" : "b \\n \\" \\\\ c" , "amount" : -0.5 , "a" : "caf\\u00e9 😀" } ',
      '{"id":3,"name":"x","amount":12345678901234567890.5,"a":"]},{["}',
    ];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...passing, ...ELEMENTS), { maxLength: 10 }),
        fc.constantFrom(
          { records: 'data' as string | undefined, head: '{"data":[', tail: '],"next":"c\\"2"}' },
          { records: undefined, head: '[', tail: ']' },
          { records: 'data', head: '{"data":[', tail: '' },
        ),
        fc.constantFrom(',', ' , ', ',,'),
        fc.array(fc.nat(300), { maxLength: 8 }),
        (elements, shape, separator, cuts) => {
          const body = shape.head + elements.join(separator) + shape.tail;
          const columns = new ColumnIndex();
          columns.learn(names);
          const runs = copyRunsFor(names, types);
          const expected = bySplitter([body], shape.records, columns);
          const got = bySplitter(cutAt(body, cuts), shape.records, columns, { runs, types });
          expect(got.error).toBe(expected.error);
          if (expected.error === undefined) expect(got).toEqual(expected);
        },
      ),
      { numRuns: 2000 },
    );
    expect(writtenRows).toBeGreaterThan(100);
  });

  it('fails at a record with a raw tab or a bad escape near its end, without reading the records after it', () => {
    for (const bad of ['{"id":2,"s":"\t"}', '{"id":2,"s":"\\x"}']) {
      const got = bySplitter([`[{"id":1},${bad},{"id":3},{"id":4}]`], undefined);
      expect(got.error).toBe('syntax');
      const assembler = new ArrayRecordAssembler('body');
      const router = new RecordsRouter(undefined, [], assembler);
      const tokenize = createTokenizer();
      const splitter = new RecordSplitter(router, assembler, (text, out) =>
        router.consume(tokenize(text), out),
      );
      const out: ParsedOutput[] = [];
      expect(() => splitter.push(`[{"id":1},${bad},{"id":3},{"id":4}]`, out)).toThrow(SplitSyntaxError);
      expect(summary(out)).toEqual(['1:record:id=1']);
    }
  });

  it('keeps every digit of record numbers and nested inexact numbers', () => {
    const body = '{"data":[{"id":12345678901234567890,"amount":1.10,"n":{"x":0.1000000000000000000001}}]}';
    const got = bySplitter(cutAt(body, [15, 30, 60]), 'data');
    expect(got.items).toEqual([
      '1:record:id=12345678901234567890|amount=1.10|n={"x":0.1000000000000000000001}',
    ]);
  });
});
