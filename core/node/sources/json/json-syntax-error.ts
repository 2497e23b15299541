import type { Token } from 'stream-json/core/parser.js';
import { LoadstoneError } from '../../../common/errors.ts';
import type { ByteInput } from '../byte-input.ts';
import type { ArrayRecordAssembler } from './json-assembler.ts';
import type { ParsedOutput } from './json-record.ts';
import { createStrictDecoder, type JsonEncoding } from './json-text.ts';
import {
  cleanMessage,
  createTokenizer,
  createVerifier,
  isVerifierFailure,
  NONE,
  type VerifierFailure,
} from './json-tokens.ts';

/** What is left to report after the parser failed: the records before the error, and the error. */
export interface SyntaxFailure {
  /** Records after the last ones already handed out and before the error. */
  readonly items: ParsedOutput[];
  readonly error: LoadstoneError;
}

/**
 * stream-json's parser says neither where it failed nor which records of the failing chunk were
 * complete, so the file is read again with its verifier (which gives line, column and offset)
 * and a fresh parser fed exactly up to the error. Runs on the error path only; keeps only the
 * records not handed out yet, so memory stays bounded.
 */
export async function recoverSyntaxError(
  input: ByteInput,
  encoding: JsonEncoding,
  parserError: unknown,
  assembler: ArrayRecordAssembler,
  /** Where the replay's tokens go (a records path router in front of the assembler), if not straight in. */
  route?: (replay: ArrayRecordAssembler) => (tokens: readonly Token[], out: ParsedOutput[]) => void,
): Promise<SyntaxFailure> {
  const handedOut = assembler.count;
  const replay = assembler.fresh();
  const consume = route
    ? route(replay)
    : (tokens: readonly Token[], out: ParsedOutput[]) => replay.consume(tokens, out);
  const tokenize = createTokenizer();
  const verify = createVerifier();
  const decoder = createStrictDecoder(encoding.encoding, input.path);
  let items: ParsedOutput[] = [];
  let fed = 0;
  const take = (text: string): void => {
    consume(tokenize(text), items);
    fed += text.length;
    if (items.length > 0 && items[items.length - 1]!.line <= handedOut) items = [];
  };
  let failure: VerifierFailure | undefined;
  const step = (text: string | typeof NONE): boolean => {
    try {
      verify(text);
    } catch (error) {
      if (!isVerifierFailure(error)) throw error;
      failure = error;
      if (text !== NONE && failure.offset > fed) take(text.slice(0, failure.offset - fed));
      return false;
    }
    if (text !== NONE) take(text);
    return true;
  };
  try {
    let going = true;
    for await (const chunk of input.chunks()) {
      going = step(decoder.decode(chunk));
      if (!going) break;
    }
    if (going && step(decoder.end())) step(NONE);
  } catch {
    // The replay is best effort: without it the parser's own message is still reported.
  }
  const records = handedOut + items.filter((i) => i.line > handedOut).length;
  const after = records > 0 ? ` (after record ${records})` : '';
  if (!failure) {
    return {
      items: [],
      error: new LoadstoneError(
        'SOURCE_FORMAT',
        `${input.path}: invalid JSON${after}: ${cleanMessage(parserError)}`,
        {
          details: { path: input.path, record: handedOut },
          cause: parserError,
        },
      ),
    };
  }
  return {
    items: items.filter((i) => i.line > handedOut),
    error: new LoadstoneError(
      'SOURCE_FORMAT',
      `${input.path}: invalid JSON at line ${failure.line}, column ${failure.pos}${after}: ${cleanMessage(failure)}`,
      {
        details: {
          path: input.path,
          line: failure.line,
          column: failure.pos,
          offset: failure.offset,
          record: records,
        },
      },
    ),
  };
}
