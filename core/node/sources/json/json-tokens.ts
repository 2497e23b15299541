import { jsonParser, type Token } from 'stream-json/core/parser.js';
import { jsonVerifier } from 'stream-json/core/utils/verifier.js';

/** stream-chain's "no value" marker: calling a flushable stage with it flushes the stage. */
export const NONE: unique symbol = Symbol.for('object-stream.none') as never;

/** stream-json's tokenizer as a plain function: text in, packed tokens out; `NONE` ends the input. */
export type Tokenizer = (text: string | typeof NONE) => readonly Token[];

/** A tokenizer producing packed values only (`keyValue`, `stringValue`, `numberValue`…). */
export function createTokenizer(): Tokenizer {
  const parse = jsonParser({ packValues: true, streamValues: false }) as unknown as (
    text: string | typeof NONE,
  ) => { values?: Token[] } | typeof NONE;
  return (text) => {
    const result = parse(text);
    return result === NONE ? [] : (result.values ?? []);
  };
}

/** What stream-json's verifier throws: where the text stops being JSON. */
export interface VerifierFailure {
  readonly message: string;
  readonly line: number;
  /** 1-based column (UTF-16 units). */
  readonly pos: number;
  /** Characters before the error. */
  readonly offset: number;
}

/** stream-json's verifier as a plain function; throws a `VerifierFailure`-shaped error. */
export function createVerifier(): (text: string | typeof NONE) => void {
  return jsonVerifier() as unknown as (text: string | typeof NONE) => void;
}

/** True when `error` carries the verifier's position. */
export function isVerifierFailure(error: unknown): error is VerifierFailure {
  const e = error as Partial<VerifierFailure> | null;
  return typeof e?.line === 'number' && typeof e.pos === 'number' && typeof e.offset === 'number';
}

/** stream-json messages without their "Parser cannot parse input:" / "ERROR at …" prefixes. */
export function cleanMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message
    .replace(/^ERROR at \d+ \(\d+, \d+\): /, '')
    .replace(/^(Parser|Verifier) cannot parse input: /, '')
    .replace(/^(Parser|Verifier) has expected/, 'expected')
    .replace(
      /^escaped characters$/,
      'a string holds a raw control character (a tab, a line break) or an unknown escape; write them as \\t, \\n, \\uXXXX',
    );
}
