import { describe, expect, it } from 'vitest';
import { checkedUtf8Decoder, invalidBytesProblem, invalidUtf8Spans, legacyDecoder } from './copy-decoder.ts';

/** Feeds `bytes` one chunk of `size` at a time; the text, and each invalid line's start and bytes. */
function decodeInChunks(bytes: Buffer, size: number) {
  const decoder = checkedUtf8Decoder();
  let text = '';
  const invalid: [number, string][] = [];
  for (let at = 0; at < bytes.length; at += size) {
    const piece = decoder.write(bytes.subarray(at, at + size));
    for (const [start, line] of decoder.invalid ?? [])
      invalid.push([text.length + start, line.toString('hex')]);
    text += piece;
  }
  return { text, invalid, rest: decoder.end() };
}

describe('a SQL_ASCII database read as UTF-8', () => {
  const bytes = Buffer.concat([Buffer.from('1\tcafé\n2\tcaf'), Buffer.from([0xe9]), Buffer.from('\n3\t€\n')]);

  it('lists the lines that are not UTF-8, however the stream is chunked', () => {
    for (const size of [1, 2, 3, 5, 64]) {
      expect(decodeInChunks(bytes, size)).toEqual({
        text: '1\tcafé\n2\tcaf\uFFFD\n3\t€\n',
        invalid: [[7, '3209636166e9']],
        rest: '',
      });
    }
  });

  it('keeps a line cut by the end of the stream for `end`', () => {
    const decoder = checkedUtf8Decoder();
    expect(decoder.write(Buffer.from('1\tok\n2\tno newl'))).toBe('1\tok\n');
    expect(decoder.end()).toBe('2\tno newl');
  });

  it('finds each ill-formed sequence (overlong, surrogate, truncated, stray continuation)', () => {
    const spans = (hex: string) => invalidUtf8Spans(Buffer.from(hex, 'hex'));
    expect(spans('636166c3a9')).toEqual([]);
    expect(spans('636166e9')).toEqual([{ start: 3, end: 4 }]);
    expect(spans('c0af41')).toEqual([{ start: 0, end: 2 }]);
    expect(spans('eda080')).toEqual([{ start: 0, end: 3 }]);
    expect(spans('41e282')).toEqual([{ start: 1, end: 3 }]);
    expect(spans('80418081')).toEqual([
      { start: 0, end: 1 },
      { start: 2, end: 4 },
    ]);
  });

  it('says which columns hold which bytes, with COPY escapes undone', () => {
    const line = Buffer.concat([Buffer.from('7\tok\tna'), Buffer.from([0xef]), Buffer.from('ve\\tx')]);
    const problem = invalidBytesProblem(line, ['id', 'name', 'note']);
    expect(problem.reason).toBe('invalid_encoding');
    expect(problem.message).toBe(
      "column 'note' holds bytes that are not valid UTF-8: x'ef' at byte 3 of x'6e61ef76650978' (shown as U+FFFD); " +
        'the database is SQL_ASCII, which keeps any bytes: if you know which encoding they are in, give it as the ' +
        'source\'s encoding (e.g. "encoding": "windows-1252" in the job, --source-encoding windows-1252 on the command line)',
    );
    // The value to blame, by its source column (the report names the column).
    expect(problem.cells).toEqual([{ column: 2, value: 'na\uFFFDve\tx', message: problem.message }]);
  });
});

describe('a SQL_ASCII database read as Windows-1252', () => {
  it('gives every byte its character, in any chunks', () => {
    const decoder = legacyDecoder('windows-1252');
    const text = [Buffer.from('a\t'), Buffer.from([0x80, 0xe9]), Buffer.from([0x81, 0x0a])]
      .map((c) => decoder.write(c))
      .join('');
    expect(text + decoder.end()).toBe('a\t€é\u0081\n');
  });
});
