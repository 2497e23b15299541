import { LoadstoneError } from '../../../common/errors.ts';
import { notText } from '../binary-check.ts';
import { NumberShape, numberShape } from './excel-date.ts';
import { attribute, readAttributes, type XmlHandler, XmlScanner } from './xml-scanner.ts';
import type { ZipArchive, ZipEntry } from './zip-reader.ts';

/** A sheet as the workbook lists it, in tab order. */
export interface SheetInfo {
  readonly name: string;
  /** Path of the sheet's part in the archive, when the workbook links one. */
  readonly part: string | undefined;
  /** `worksheet` holds cells; chart and dialog sheets do not. */
  readonly kind: 'worksheet' | 'other';
}

/** What the workbook part says: sheets, date system, and where the shared strings and styles are. */
export interface WorkbookInfo {
  readonly sheets: readonly SheetInfo[];
  /** True when serial dates count from 1904-01-01 (old Mac Excel). */
  readonly date1904: boolean;
  readonly sharedStringsPart: string | undefined;
  readonly stylesPart: string | undefined;
}

/** Streams an entry as text into an XML handler. */
export async function scanEntry(
  zip: ZipArchive,
  entry: ZipEntry,
  handler: XmlHandler,
  signal?: AbortSignal,
): Promise<void> {
  const scanner = new XmlScanner(handler);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    for await (const chunk of await zip.stream(entry, signal)) {
      scanner.write(decoder.decode(chunk as Buffer, { stream: true }));
    }
    scanner.write(decoder.decode());
    scanner.end();
  } catch (error) {
    if (error instanceof LoadstoneError || signal?.aborted) throw error;
    throw damaged(zip.path, entry.name, error);
  }
}

/** A part that cannot be read: the file is damaged or not what it claims. */
export function damaged(path: string, part: string, cause: unknown): LoadstoneError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new LoadstoneError(
    'SOURCE_FORMAT',
    `${path}: the workbook is damaged: cannot read ${part} (${reason})`,
    {
      details: { path, part },
      cause,
    },
  );
}

/** Resolves a relationship target against the folder of the part that holds the relationship. */
function resolvePart(folder: string, target: string): string {
  const parts = (target.startsWith('/') ? target.slice(1) : `${folder}${target}`).split('/');
  const out: string[] = [];
  for (const part of parts) {
    if (part === '..') out.pop();
    else if (part !== '.' && part !== '') out.push(part);
  }
  return out.join('/');
}

interface Relationship {
  readonly id: string;
  readonly type: string;
  readonly target: string;
}

async function readRelationships(zip: ZipArchive, part: string): Promise<Relationship[]> {
  const entry = zip.find(part);
  if (!entry) return [];
  const rels: Relationship[] = [];
  const values: (string | undefined)[] = [];
  await scanEntry(zip, entry, {
    wantText: false,
    open(name, tag, start, end) {
      if (name !== 'Relationship') return;
      readAttributes(tag, start, end, ['Id', 'Type', 'Target', 'TargetMode'], values);
      if (values[3] === 'External' || !values[0] || !values[2]) return;
      rels.push({ id: values[0], type: values[1] ?? '', target: values[2] });
    },
    close() {},
    text() {},
  });
  return rels;
}

/**
 * Reads the package relationships and the workbook part: sheet names in tab order, the
 * 1900/1904 date system, and the shared strings and styles parts.
 * @throws LoadstoneError SOURCE_FORMAT when there is no workbook part.
 */
export async function readWorkbookInfo(zip: ZipArchive): Promise<WorkbookInfo> {
  const root = await readRelationships(zip, '_rels/.rels');
  const officeDocument = root.find((r) => r.type.endsWith('/officeDocument'));
  const workbookPart = officeDocument ? resolvePart('', officeDocument.target) : 'xl/workbook.xml';
  const workbookEntry = zip.find(workbookPart);
  if (!workbookEntry) {
    throw notText(zip.path, 'it is a ZIP archive but not an XLSX workbook: it has no workbook part');
  }
  const folder = workbookPart.slice(0, workbookPart.lastIndexOf('/') + 1);
  const rels = await readRelationships(zip, `${folder}_rels/${workbookPart.slice(folder.length)}.rels`);
  const byId = new Map(rels.map((r) => [r.id, r]));
  const partOf = (type: string): string | undefined => {
    const rel = rels.find((r) => r.type.endsWith(type));
    return rel ? resolvePart(folder, rel.target) : undefined;
  };

  const sheets: SheetInfo[] = [];
  let date1904 = false;
  let seenProperties = false;
  const values: (string | undefined)[] = [];
  await scanEntry(zip, workbookEntry, {
    wantText: false,
    open(name, tag, start, end) {
      if (name === 'workbookPr' && !seenProperties) {
        // Only the first: extensions repeat the name (<x15:workbookPr>) without the flag.
        seenProperties = true;
        const flag = attribute(tag, start, end, 'date1904');
        date1904 = flag === '1' || flag === 'true';
      } else if (name === 'sheet') {
        readAttributes(tag, start, end, ['name', 'id'], values);
        const rel = values[1] === undefined ? undefined : byId.get(values[1]);
        sheets.push({
          name: values[0] ?? `Sheet${sheets.length + 1}`,
          part: rel ? resolvePart(folder, rel.target) : undefined,
          kind: !rel || rel.type.endsWith('/worksheet') ? 'worksheet' : 'other',
        });
      }
    },
    close() {},
    text() {},
  });
  return {
    sheets,
    date1904,
    sharedStringsPart:
      partOf('/sharedStrings') ?? (zip.find(`${folder}sharedStrings.xml`)?.name || undefined),
    stylesPart: partOf('/styles') ?? (zip.find(`${folder}styles.xml`)?.name || undefined),
  };
}

/**
 * Reads the cell formats of the styles part: for each cell style index (`s` of a cell), whether
 * its number format shows dates, durations or plain numbers.
 */
export async function readNumberShapes(zip: ZipArchive, part: string | undefined): Promise<Uint8Array> {
  const entry = part === undefined ? undefined : zip.find(part);
  if (!entry) return new Uint8Array(0);
  const codes = new Map<number, string>();
  const formatIds: number[] = [];
  let inNumFmts = false;
  let inCellXfs = false;
  const values: (string | undefined)[] = [];
  await scanEntry(zip, entry, {
    wantText: false,
    open(name, tag, start, end) {
      if (name === 'numFmts') inNumFmts = true;
      else if (name === 'cellXfs') inCellXfs = true;
      else if (name === 'numFmt' && inNumFmts) {
        readAttributes(tag, start, end, ['numFmtId', 'formatCode'], values);
        if (values[0] !== undefined && values[1] !== undefined) codes.set(Number(values[0]), values[1]);
      } else if (name === 'xf' && inCellXfs) {
        formatIds.push(Number(attribute(tag, start, end, 'numFmtId') ?? 0));
      }
    },
    close(name) {
      if (name === 'numFmts') inNumFmts = false;
      else if (name === 'cellXfs') inCellXfs = false;
    },
    text() {},
  });
  const shapes = new Uint8Array(formatIds.length);
  formatIds.forEach((id, i) => {
    shapes[i] = Number.isFinite(id) ? numberShape(id, codes.get(id)) : NumberShape.Number;
  });
  return shapes;
}

const OOXML_ESCAPE = /_x([0-9A-Fa-f]{4})_/g;

/**
 * Undoes OOXML's `_xHHHH_` escaping of characters XML cannot hold (Excel writes a carriage
 * return as `_x000D_`, and a literal `_x000D_` typed by a user as `_x005F_x000D_`).
 */
export function unescapeOoxml(text: string): string {
  if (text.indexOf('_x') < 0) return text;
  return text.replace(OOXML_ESCAPE, (_whole, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}
