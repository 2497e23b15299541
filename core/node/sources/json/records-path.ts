import type { Token } from 'stream-json/core/parser.js';
import type { ArrayRecordAssembler } from './json-assembler.ts';
import type { ParsedOutput } from './json-record.ts';

/** A scalar found at a watched body path (numbers as their exact text). */
export type CapturedScalar = string | boolean | null | { readonly number: string };

/** What the top level of a document turned out to be, for messages. */
export type TopLevel = 'object' | 'array' | 'scalar' | 'none';

interface Frame {
  readonly array: boolean;
  /** Current key (object) or index of the current element (array). */
  key: string;
  index: number;
}

/**
 * Routes stream-json's packed tokens of one JSON document: the tokens of the array at `records`
 * (a dotted path; undefined: the document itself) go to the record assembler as they arrive, and
 * the scalars at the `watch` paths (a cursor, a `hasMore` flag, a total, a next URL) are kept.
 * Nothing else of the document is built, so a body of any size streams in bounded memory.
 */
export class RecordsRouter {
  /** Scalars found at watched paths, by dotted path. */
  readonly captured = new Map<string, CapturedScalar>();
  /** The records array was found and has closed. */
  recordsDone = false;
  /** What the records path held when it was not an array (`null`, `an object`, …); undefined otherwise. */
  recordsNotArray: string | undefined;
  /** What the top level was. */
  topLevel: TopLevel = 'none';
  /** The first keys of a top-level object (for a "no records at path" message). */
  readonly topKeys: string[] = [];
  /** The document's top-level value has closed. */
  complete = false;

  private readonly stack: Frame[] = [];
  /** Depth of the records array while its tokens are forwarded (0: not inside it). */
  private forwarding = 0;
  /** True right after the records array opened, before any of its elements: no token of it is pending. */
  get atRecordsStart(): boolean {
    return this.forwarding === 1 && !this.recordsDone;
  }

  /** The records path ('' for the document itself). */
  readonly target: string;
  private readonly watch: ReadonlySet<string>;

  constructor(
    records: string | undefined,
    watch: readonly string[],
    private readonly assembler: ArrayRecordAssembler,
  ) {
    this.target = records ?? '';
    this.watch = new Set(watch);
  }

  /** Consumes tokens, appending each completed record (or non-object element) to `out`. */
  consume(tokens: readonly Token[], out: ParsedOutput[]): void {
    // Start of the run of tokens inside the records array (-1: none); handed over as one slice.
    let from = this.forwarding > 0 ? 0 : -1;
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i]!;
      if (this.forwarding > 0) {
        const name = token.name;
        if (name === 'startArray' || name === 'startObject') this.forwarding++;
        else if (name === 'endArray' || name === 'endObject') {
          this.forwarding--;
          if (this.forwarding === 0) {
            this.assembler.consume(
              from === 0 && i === tokens.length - 1 ? tokens : tokens.slice(from, i + 1),
              out,
            );
            from = -1;
            this.recordsDone = true;
            this.endValue();
          }
        }
        continue;
      }
      switch (token.name) {
        case 'keyValue': {
          const top = this.stack[this.stack.length - 1];
          if (top) top.key = token.value;
          if (this.stack.length === 1 && this.topKeys.length < 20) this.topKeys.push(token.value);
          break;
        }
        case 'startArray':
        case 'startObject': {
          const path = this.beginValue(token.name === 'startArray' ? 'array' : 'object');
          if (path === this.target && !this.recordsDone) {
            if (token.name === 'startArray') {
              this.forwarding = 1;
              from = i;
              break;
            }
            this.recordsNotArray = 'an object';
          }
          this.stack.push({ array: token.name === 'startArray', key: '', index: -1 });
          break;
        }
        case 'endArray':
        case 'endObject':
          this.stack.pop();
          this.endValue();
          break;
        case 'stringValue':
        case 'numberValue':
        case 'nullValue':
        case 'trueValue':
        case 'falseValue': {
          const path = this.beginValue('scalar');
          const value: CapturedScalar =
            token.name === 'stringValue'
              ? token.value
              : token.name === 'numberValue'
                ? { number: token.value }
                : token.name === 'nullValue'
                  ? null
                  : token.name === 'trueValue';
          if (path === this.target && !this.recordsDone) {
            this.recordsNotArray =
              value === null ? 'null' : typeof value === 'string' ? 'a string' : 'a scalar';
          }
          if (this.watch.has(path)) this.captured.set(path, value);
          this.endValue();
          break;
        }
        default:
          break;
      }
    }
    if (from >= 0) this.assembler.consume(from === 0 ? tokens : tokens.slice(from), out);
  }

  /** The dotted path of the value starting now (advancing the enclosing array's index). */
  private beginValue(kind: TopLevel): string {
    if (this.stack.length === 0) {
      this.topLevel = kind;
      return '';
    }
    let path = '';
    for (let i = 0; i < this.stack.length; i++) {
      const frame = this.stack[i]!;
      if (frame.array && i === this.stack.length - 1) frame.index++;
      const part = frame.array ? String(frame.index) : frame.key;
      path = i === 0 ? part : `${path}.${part}`;
    }
    return path;
  }

  private endValue(): void {
    if (this.stack.length === 0) this.complete = true;
  }
}
