import { describe, expect, it } from 'vitest';
import { LoadstoneError } from '../../common/errors.ts';
import { binaryKind, checkTextHead } from './binary-check.ts';

const bytes = (...parts: (number | string)[]): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.of(p))));

/** The error `checkTextHead` throws for `head`, or undefined when it takes it as text. */
function refusal(head: Buffer, complete = true): LoadstoneError | undefined {
  try {
    checkTextHead('f.csv', head, complete);
    return undefined;
  } catch (error) {
    return error as LoadstoneError;
  }
}

/** A minimal PE file head: "MZ", the header offset at 0x3C, "PE\0\0" there. */
function peHead(): Buffer {
  const head = Buffer.alloc(256);
  head.write('MZ', 0, 'latin1');
  head.writeUInt32LE(128, 0x3c);
  head.write('PE\0\0', 128, 'latin1');
  return head;
}

describe('binaryKind', () => {
  it.each([
    ['a PNG image', bytes(0x89, 'PNG\r\n', 0x1a, '\n', 0, 0, 0, 13)],
    ['a JPEG image', bytes(0xff, 0xd8, 0xff, 0xe0)],
    ['a GIF image', bytes('GIF89a')],
    ['a PDF document', bytes('%PDF-1.7\n')],
    ['a ZIP archive', bytes('PK', 3, 4, 20, 0)],
    ['an executable (ELF)', bytes(0x7f, 'ELF', 2, 1, 1)],
    ['an executable (Mach-O)', bytes(0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1)],
    ['a Windows executable (PE)', peHead()],
    [
      'an SQLite database: read it as a database source, a table or a query of it',
      bytes('SQLite format 3', 0),
    ],
  ])('recognises %s', (what, head) => {
    expect(binaryKind(head)).toBe(what);
  });

  it('does not take text that starts like a magic number for one', () => {
    expect(binaryKind(Buffer.from('MZ_code,name\n1,a\n'.repeat(10)))).toBeUndefined();
    expect(binaryKind(Buffer.from('PK,name\n'))).toBeUndefined();
    expect(binaryKind(Buffer.from('BZh,x\n'))).toBeUndefined();
  });
});

describe('checkTextHead', () => {
  it('refuses a binary file saying it is not a text file, what it looks like, and what is read', () => {
    const error = refusal(bytes(0x89, 'PNG\r\n', 0x1a, '\n', 0, 0, 0, 13, 'IHDR'));
    expect(error).toBeInstanceOf(LoadstoneError);
    expect(error?.code).toBe('SOURCE_FORMAT');
    expect(error?.message).toBe(
      'f.csv: not a text file (it is a PNG image). Loadstone reads delimited text (CSV, TSV, ;- or |-separated), JSON, NDJSON and XLSX workbooks, each also gzipped.',
    );
  });

  it('refuses bytes dense in NUL and control codes that no supported encoding explains', () => {
    const noise = Buffer.alloc(4096);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 131 + 7) % 256;
    const error = refusal(noise);
    expect(error?.message).toMatch(
      /^f\.csv: not a text file \(\d[\d,]* of the first 4,096 bytes are NUL or other control codes/,
    );
  });

  it('takes text with tabs, CRLF, form feeds and an ESC sequence, and a file with one stray NUL in 64 KiB', () => {
    expect(refusal(Buffer.from('a\tb\r\nc\fd\x1b[0m\n'))).toBeUndefined();
    const big = Buffer.from('id,name\n'.repeat(8192));
    big[100] = 0;
    expect(refusal(big, false)).toBeUndefined();
  });

  it('takes UTF-16 text (its bytes are half NULs), with or without a BOM, and judges its characters', () => {
    const text = 'id,name\r\n1,Zoë\r\n'.repeat(100);
    expect(refusal(Buffer.concat([Buffer.of(0xff, 0xfe), Buffer.from(text, 'utf16le')]))).toBeUndefined();
    expect(refusal(Buffer.from(text, 'utf16le'))).toBeUndefined();
    const be = Buffer.from(text, 'utf16le').swap16();
    expect(refusal(Buffer.concat([Buffer.of(0xfe, 0xff), be]))).toBeUndefined();
    // 16-bit binary data that looks like UTF-16 by its NULs is still not text.
    const ints = Buffer.alloc(4096);
    for (let i = 0; i < ints.length; i += 2) ints[i] = (i / 2) % 32;
    expect(refusal(ints)?.message).toContain('characters are NUL or other control codes');
  });

  it('takes an empty file (the source says it is empty)', () => {
    expect(refusal(Buffer.alloc(0))).toBeUndefined();
  });
});
