/**
 * Generators of hostile input files, for the tests and `npm run bench -- hostile`: long lines,
 * a gzip of a huge one-line file, workbooks with an open comment or too many shared strings,
 * NDJSON with many keys, very wide headers. Large content is generated in pieces and compressed
 * as it goes, so a file that expands to gigabytes takes little disk and memory.
 */
import { once } from 'node:events';
import { createWriteStream, writeFileSync } from 'node:fs';
import { constants, crc32, createDeflateRaw, deflateRawSync, gzipSync } from 'node:zlib';

/** Content given as pieces (repeated text is cheap to describe and to compress). */
export type Pieces = Iterable<string | Buffer>;

/** `text` repeated until `length` characters (ASCII), in pieces of at most 1 MiB. */
export function* repeated(text: string, length: number): Generator<string> {
  const piece = text.repeat(Math.max(1, Math.floor((1024 * 1024) / text.length)));
  let left = length;
  while (left > 0) {
    const n = Math.min(left, piece.length);
    yield n === piece.length ? piece : piece.slice(0, n);
    left -= n;
  }
}

/** Writes a gzip file of `pieces`: one gzip member per piece (gunzip reads them as one stream). */
export function writeGzipMembers(path: string, pieces: Pieces, repeat = 1): void {
  const members: Buffer[] = [];
  for (const piece of pieces) members.push(gzipSync(piece, { level: constants.Z_BEST_COMPRESSION }));
  const out: Buffer[] = [];
  for (let i = 0; i < repeat; i++) out.push(...members);
  writeFileSync(path, Buffer.concat(out));
}

interface ZipPart {
  readonly name: string;
  readonly content: string | (() => Pieces);
}

/** Deflates pieces as a stream (for parts that expand to hundreds of megabytes). */
async function deflatePieces(pieces: Pieces): Promise<{ data: Buffer; crc: number; size: number }> {
  const deflate = createDeflateRaw({ level: constants.Z_BEST_SPEED });
  const out: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => out.push(chunk));
  let crc = 0;
  let size = 0;
  for (const piece of pieces) {
    const bytes = typeof piece === 'string' ? Buffer.from(piece) : piece;
    crc = crc32(bytes, crc);
    size += bytes.length;
    if (!deflate.write(bytes)) await once(deflate, 'drain');
  }
  deflate.end();
  await once(deflate, 'end');
  return { data: Buffer.concat(out), crc, size };
}

/** Writes a ZIP archive (deflated entries, no ZIP64: each part must expand to less than 4 GiB). */
export async function writeZip(path: string, parts: readonly ZipPart[]): Promise<void> {
  const file = createWriteStream(path);
  const central: Buffer[] = [];
  let offset = 0;
  const write = async (bytes: Buffer): Promise<void> => {
    offset += bytes.length;
    if (!file.write(bytes)) await once(file, 'drain');
  };
  for (const part of parts) {
    const { data, crc, size } =
      typeof part.content === 'string'
        ? (() => {
            const bytes = Buffer.from(part.content);
            return { data: deflateRawSync(bytes), crc: crc32(bytes), size: bytes.length };
          })()
        : await deflatePieces(part.content());
    const name = Buffer.from(part.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(20, 4);
    entry.writeUInt16LE(20, 6);
    entry.writeUInt16LE(8, 10);
    entry.writeUInt32LE(crc >>> 0, 16);
    entry.writeUInt32LE(data.length, 20);
    entry.writeUInt32LE(size, 24);
    entry.writeUInt16LE(name.length, 28);
    entry.writeUInt32LE(offset, 42);
    central.push(entry, name);
    await write(local);
    await write(name);
    await write(data);
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(parts.length, 8);
  end.writeUInt16LE(parts.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  await write(directory);
  await write(end);
  file.end();
  await once(file, 'finish');
}

const NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

/**
 * Writes a one-sheet workbook. `sheetData` is the XML inside `<sheetData>` (or pieces of the
 * whole sheet part when a function), `sharedStrings` the whole shared strings part.
 */
export async function writeWorkbook(
  path: string,
  sheet: { sheetData: string } | { part: () => Pieces },
  sharedStrings?: string | (() => Pieces),
): Promise<void> {
  const parts: ZipPart[] = [
    {
      name: 'xl/workbook.xml',
      content: `<?xml version="1.0"?><workbook xmlns="${NS}" xmlns:r="${REL}"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>`,
    },
    {
      name: 'xl/_rels/workbook.xml.rels',
      content:
        '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
        `<Relationship Id="rId1" Type="${REL}/worksheet" Target="worksheets/sheet1.xml"/>` +
        (sharedStrings
          ? `<Relationship Id="rId2" Type="${REL}/sharedStrings" Target="sharedStrings.xml"/>`
          : '') +
        '</Relationships>',
    },
    {
      name: 'xl/worksheets/sheet1.xml',
      content:
        'sheetData' in sheet
          ? `<?xml version="1.0"?><worksheet xmlns="${NS}"><sheetData>${sheet.sheetData}</sheetData></worksheet>`
          : sheet.part,
    },
  ];
  if (sharedStrings) parts.push({ name: 'xl/sharedStrings.xml', content: sharedStrings });
  await writeZip(path, parts);
}

/** A sheet part: a header row, then `<!--` and `length` characters of a comment that never closes. */
export function* openCommentSheet(length: number): Generator<string> {
  yield `<?xml version="1.0"?><worksheet xmlns="${NS}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c></row><!--`;
  yield* repeated('comment ', length);
}

/** A shared strings part of `count` empty entries (`uniqueCount` declared only when `declare`). */
export function* manySharedStrings(count: number, declare: boolean): Generator<string> {
  yield `<?xml version="1.0"?><sst xmlns="${NS}"${declare ? ` count="${count}" uniqueCount="${count}"` : ''}>`;
  yield* repeated('<si><t/></si>', count * '<si><t/></si>'.length);
  yield '</sst>';
}

/** A shared strings part: entry 0 is `id`, entry 1 is `length` characters long, entry 2 is `ok`. */
export function* hugeSharedString(length: number): Generator<string> {
  yield `<?xml version="1.0"?><sst xmlns="${NS}"><si><t>id</t></si><si><t>`;
  yield* repeated('x', length);
  yield '</t></si><si><t>ok</t></si></sst>';
}

/** Rows using `hugeSharedString`: header `id`, row 2 the huge string, row 3 `ok`. */
export const HUGE_SHARED_STRING_ROWS =
  '<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>1</v></c></row><row r="3"><c r="A3" t="s"><v>2</v></c></row>';

/** A sheet part whose row 2 holds an inline string of `length` characters. */
export function* hugeInlineStringSheet(length: number): Generator<string> {
  yield `<?xml version="1.0"?><worksheet xmlns="${NS}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>`;
  yield* repeated('y', length);
  yield '</t></is></c></row><row r="3"><c r="A3" t="inlineStr"><is><t>ok</t></is></c></row></sheetData></worksheet>';
}

/** One NDJSON record with `keys` numeric fields (`k0`…), twice. */
export function wideNdjson(keys: number): string {
  const record: Record<string, number> = {};
  for (let i = 0; i < keys; i++) record[`k${i}`] = i;
  const line = JSON.stringify(record);
  return `${line}\n${line}\n`;
}

/** A CSV with a header of `columns` names (`column_name_0`…) and two rows. */
export function wideCsv(columns: number): string {
  const header = Array.from({ length: columns }, (_, i) => `column_name_${i}`).join(',');
  const row = Array.from({ length: columns }, (_, i) => String(i)).join(',');
  return `${header}\n${row}\n${row}\n`;
}
