import type { Token } from 'stream-json/core/parser.js';
import { LoadstoneError } from '../../../common/errors.ts';
import { numberIsExact } from '../../../common/json-numbers.ts';
import { JsonNumber, JsonText, type JsonValue, type RawValue } from '../../../common/types.ts';
import { stringifyExact } from './exact-json.ts';
import {
  alignFields,
  type ColumnIndex,
  MAX_NESTING,
  type ParsedOutput,
  ProblemItem,
  RecordItem,
  stringifyRaw,
} from './json-record.ts';

type Container = JsonValue[] | { [key: string]: JsonValue };

/**
 * Builds records from stream-json's packed tokens for a top-level array of objects.
 * Record fields keep numbers as `JsonNumber` (exact text); values nested deeper are plain JSON
 * values, as `JSON.parse` would build them, except that a nested object or array holding a number
 * JS would change (a 20-digit id, `1.10`) becomes its exact text (`JsonText`). Iterative, so deep
 * nesting cannot blow the stack.
 */
export class ArrayRecordAssembler {
  /** Array elements completed so far (records and non-objects): the last record number. */
  count = 0;
  /** True once the top-level array has closed. */
  done = false;
  private started = false;
  private inRecord = false;
  /** Fields of the current record; reused between records once the columns are fixed. */
  private keys: string[] = [];
  private values: RawValue[] = [];
  private fields = 0;
  private columns: ColumnIndex | undefined;
  /** Pending key at record level. */
  private key = '';
  /** Pending key in the innermost nested object. */
  private nestedKey = '';
  /** Open containers nested under the current element, innermost last. */
  private readonly stack: Container[] = [];
  /** For each open container, the key it will be stored under in its parent. */
  private readonly stackKeys: string[] = [];
  /** The open top-level container holds a number JS would change (kept as `JsonNumber` in it). */
  private inexact = false;

  constructor(private readonly path: string) {}

  /** A new assembler for the same file and columns, to replay the file from its start. */
  fresh(): ArrayRecordAssembler {
    const copy = new ArrayRecordAssembler(this.path);
    if (this.columns) copy.fixColumns(this.columns);
    return copy;
  }

  /** From now on, emit rows aligned with `columns` instead of records (fewer allocations). */
  fixColumns(columns: ColumnIndex): void {
    this.columns = columns;
  }

  /** Consumes tokens, appending each completed element to `out`. */
  consume(tokens: readonly Token[], out: ParsedOutput[]): void {
    for (const token of tokens) {
      switch (token.name) {
        case 'keyValue':
          if (this.stack.length > 0) this.nestedKey = token.value;
          else this.key = token.value;
          break;
        case 'stringValue':
          this.put(token.value, token.value, out);
          break;
        case 'numberValue':
          // Exact text where the value is a field or an element; nested numbers are plain JSON
          // unless that would change them.
          if (this.stack.length === 0) this.put(null, new JsonNumber(token.value), out);
          else if (numberIsExact(token.value)) this.put(Number(token.value), null, out);
          else {
            this.inexact = true;
            this.put(new JsonNumber(token.value) as unknown as JsonValue, null, out);
          }
          break;
        case 'nullValue':
          this.put(null, null, out);
          break;
        case 'trueValue':
          this.put(true, true, out);
          break;
        case 'falseValue':
          this.put(false, false, out);
          break;
        case 'startObject':
          if (!this.started) throw this.notAnArray('an object');
          if (this.stack.length === 0 && !this.inRecord) {
            this.inRecord = true;
            this.fields = 0;
            if (!this.columns) {
              this.keys = [];
              this.values = [];
            }
          } else {
            this.open({});
          }
          break;
        case 'endObject':
          if (this.stack.length > 0) this.close(out);
          else {
            this.inRecord = false;
            const line = ++this.count;
            out.push(
              this.columns
                ? alignFields(line, this.keys, this.values, this.fields, this.columns, 'record')
                : new RecordItem(line, this.keys, this.values),
            );
          }
          break;
        case 'startArray':
          if (!this.started) this.started = true;
          else this.open([]);
          break;
        case 'endArray':
          if (this.stack.length > 0) this.close(out);
          else this.done = true;
          break;
        default:
          break;
      }
    }
  }

  private open(container: Container): void {
    // The record (or element) is level 1, so this container is level stack.length + 2.
    if (this.stack.length + 2 > MAX_NESTING) {
      throw new LoadstoneError(
        'SOURCE_FORMAT',
        `${this.path}: record ${this.count + 1} nests arrays and objects deeper than ${MAX_NESTING} levels, which cannot be loaded`,
        { details: { path: this.path, record: this.count + 1 } },
      );
    }
    const inObject = this.stack.length > 0 && !Array.isArray(this.stack[this.stack.length - 1]);
    this.stackKeys.push(inObject ? this.nestedKey : this.key);
    this.stack.push(container);
  }

  private close(out: ParsedOutput[]): void {
    const container = this.stack.pop()!;
    const key = this.stackKeys.pop()!;
    if (this.stack.length > 0) {
      const parent = this.stack[this.stack.length - 1]!;
      if (Array.isArray(parent)) parent.push(container);
      else setOwn(parent, key, container);
      return;
    }
    let value: RawValue = container;
    if (this.inexact) {
      value = new JsonText(stringifyExact(container));
      this.inexact = false;
    }
    if (this.inRecord) {
      this.keys[this.fields] = key;
      this.values[this.fields++] = value;
    } else {
      this.element(value, out);
    }
  }

  /** Places a scalar: `plain` in nested containers, `raw` as a record field or array element. */
  private put(plain: JsonValue, raw: RawValue, out: ParsedOutput[]): void {
    const depth = this.stack.length;
    if (depth > 0) {
      const parent = this.stack[depth - 1]!;
      if (Array.isArray(parent)) parent.push(plain);
      else setOwn(parent, this.nestedKey, plain);
    } else if (this.inRecord) {
      this.keys[this.fields] = this.key;
      this.values[this.fields++] = raw;
    } else if (this.started) {
      this.element(raw, out);
    } else {
      throw this.scalarAtTop(raw);
    }
  }

  /** An array element that is not an object: reported, kept as text. */
  private element(value: RawValue, out: ParsedOutput[]): void {
    const line = ++this.count;
    const text = stringifyRaw(value);
    const kind = Array.isArray(value) ? 'an array' : value === null ? 'null' : `${text.slice(0, 40)}`;
    out.push(
      new ProblemItem(line, 'not_an_object', `record ${line}: expected a JSON object, found ${kind}`, text),
    );
  }

  /** The error for a document whose top level is the scalar `raw` (its JSON text for a number). */
  scalarAtTop(raw: RawValue): LoadstoneError {
    return this.notAnArray(typeof raw === 'string' ? 'a string' : `the value ${stringifyRaw(raw)}`);
  }

  private notAnArray(found: string): LoadstoneError {
    return new LoadstoneError(
      'SOURCE_FORMAT',
      `${this.path}: the JSON file holds ${found} at the top level; expected an array of objects ` +
        '([{...}, {...}]). For one object per line, read it as NDJSON.',
      { details: { path: this.path } },
    );
  }
}

/** Sets a key as an own property, as JSON.parse does (a "__proto__" key must not set the prototype). */
function setOwn(target: { [key: string]: JsonValue }, key: string, value: JsonValue): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}
