import { LoadstoneError } from '../../../common/errors.ts';
import { DEFAULT_MAX_LINE_CHARS, type FileSourceSpec } from '../../../common/spec/job-spec.ts';
import type { OpenedSource, OpenSourceOptions, SourceRow } from '../types.ts';
import { readSharedStrings } from './shared-strings.ts';
import { type SheetContext, SheetHandler, type SheetRow } from './sheet-reader.ts';
import {
  damaged,
  readNumberShapes,
  readWorkbookInfo,
  type SheetInfo,
  type WorkbookInfo,
} from './workbook-parts.ts';
import {
  firstRowIsData,
  headerNames,
  numberedNames,
  sourceRowOf,
  titleRowCount,
  titleRowOf,
} from './xlsx-rows.ts';
import { XmlScanner } from './xml-scanner.ts';
import { openZip, type ZipArchive, type ZipEntry } from './zip-reader.ts';

/** Rows read ahead to size the columns of a sheet without a header row. */
const WIDTH_SAMPLE_ROWS = 10_000;
/** Rows read ahead to tell whether the first row is a header, when the spec does not say. */
const HEADER_SAMPLE_ROWS = 20;
const BATCH_ROWS = 1_000;

/**
 * Opens a worksheet of an XLSX workbook for streaming: the first sheet, or `spec.sheet` by name.
 * The first non-empty row is the header unless `spec.header === false` (then `column_1`…) or, when
 * the spec does not say, that row holds only numbers, dates and booleans that the rows below do not
 * contradict (see {@link firstRowIsData}); when the spec does not say, up to five title rows above it
 * (one text cell in A) are rows rejected as `too_few_fields` (see {@link titleRowCount});
 * `line` is the spreadsheet row number; empty rows are skipped. Text → string, numbers → number,
 * booleans → boolean, date-formatted numbers → naive ISO strings (1900 or 1904 date system),
 * formulas → their cached result; error cells make the row an `excel_error` problem naming them,
 * a cell (or the shared string it uses) longer than `spec.maxLineChars` a `cell_too_long` one. The
 * XML is scanned once however it is chunked; the shared strings are bounded (MAX_SHARED_STRINGS).
 * @throws LoadstoneError SOURCE_NOT_FOUND / SOURCE_UNREADABLE / SOURCE_FORMAT (not a workbook,
 *   damaged, unknown sheet name: the message lists the sheets).
 */
export async function openXlsxSource(
  path: string,
  spec: FileSourceSpec,
  opts: OpenSourceOptions,
): Promise<OpenedSource> {
  const { signal } = opts;
  const zip = await openZip(path);
  try {
    const info = await readWorkbookInfo(zip);
    const sheet = pickSheet(info, spec.sheet, path);
    const entry = sheet.part === undefined ? undefined : zip.find(sheet.part);
    if (!entry) throw damaged(path, `sheet "${sheet.name}"`, new Error('its part is missing'));
    const maxChars = spec.maxLineChars ?? DEFAULT_MAX_LINE_CHARS;
    const context: SheetContext = {
      path,
      shapes: await readNumberShapes(zip, info.stylesPart),
      sharedStrings: await readSharedStrings(zip, info.sharedStringsPart, maxChars, signal),
      maxChars,
      date1904: info.date1904,
    };
    const source = readSheet(zip, entry, context, signal);

    // Read ahead: the rows that tell a header from data, then the header row, or enough rows to
    // see how wide the sheet is.
    const ahead: SheetRow[] = [];
    let finished = false;
    const readAhead = async (count: number): Promise<void> => {
      while (!finished && ahead.length < count && !signal?.aborted) {
        const next = await source.next();
        if (next.done) finished = true;
        else for (const row of next.value) ahead.push(row);
      }
    };
    if (spec.header === undefined) await readAhead(HEADER_SAMPLE_ROWS);
    // Title rows above the header are set aside (reported as rows) when the spec does not say.
    const titles = spec.header === undefined ? ahead.splice(0, titleRowCount(ahead)) : [];
    const header = spec.header ?? !firstRowIsData(ahead);
    await readAhead(header ? 1 : WIDTH_SAMPLE_ROWS);
    const firstLine = ahead[0]?.line;
    const columns = header ? headerNames(ahead.shift()) : numberedNames(ahead);
    const width = columns.length;
    const titleRows = titles.map((row) => titleRowOf(row, width, header ? firstLine : undefined));

    let closed = false;
    const close = async (): Promise<void> => {
      if (closed) return;
      closed = true;
      try {
        await source.return(undefined);
      } finally {
        await zip.close();
      }
    };

    let iterated = false;
    async function* rows(): AsyncGenerator<SourceRow[], void, undefined> {
      if (iterated) throw new LoadstoneError('INTERNAL', 'the rows of a source can be read only once');
      iterated = true;
      try {
        let batch: SourceRow[] = titleRows;
        let pending: SheetRow[] = ahead.splice(0);
        for (;;) {
          for (const row of pending) {
            batch.push(sourceRowOf(row, width, maxChars));
            if (batch.length >= BATCH_ROWS) {
              if (signal?.aborted) return;
              yield batch;
              batch = [];
            }
          }
          if (finished || signal?.aborted) break;
          const next = await source.next();
          if (next.done) break;
          pending = next.value;
        }
        if (batch.length > 0 && !signal?.aborted) yield batch;
      } finally {
        await close();
      }
    }

    return {
      format: {
        kind: 'xlsx',
        encoding: 'utf-8',
        compression: 'none',
        header,
        sheet: sheet.name,
        sheets: info.sheets.map((s) => s.name),
      },
      columns,
      totalBytes: zip.size,
      bytesRead: () => zip.bytesRead(),
      rows,
      close,
    };
  } catch (error) {
    await zip.close();
    if (signal?.aborted && !(error instanceof LoadstoneError)) {
      throw new LoadstoneError('LOAD_CANCELLED', `${path}: cancelled while opening the workbook`, {
        cause: error,
      });
    }
    throw error;
  }
}

/** The sheet to read: `wanted` by name (exact, else ignoring case as Excel does), or the first worksheet. */
function pickSheet(info: WorkbookInfo, wanted: string | undefined, path: string): SheetInfo {
  const list = info.sheets.map((s) => JSON.stringify(s.name)).join(', ');
  if (wanted === undefined) {
    const first = info.sheets.find((s) => s.kind === 'worksheet');
    if (!first)
      throw new LoadstoneError('SOURCE_FORMAT', `${path}: the workbook has no worksheet`, {
        details: { path },
      });
    return first;
  }
  const sheet =
    info.sheets.find((s) => s.name === wanted) ??
    info.sheets.find((s) => s.name.toLowerCase() === wanted.toLowerCase());
  if (!sheet) {
    throw new LoadstoneError(
      'SOURCE_FORMAT',
      `${path}: no sheet named ${JSON.stringify(wanted)}; the sheets are ${list}`,
      {
        details: { path, sheet: wanted, sheets: info.sheets.map((s) => s.name) },
      },
    );
  }
  if (sheet.kind !== 'worksheet') {
    throw new LoadstoneError(
      'SOURCE_FORMAT',
      `${path}: sheet ${JSON.stringify(sheet.name)} is a chart or dialog sheet; it holds no cells`,
      {
        details: { path, sheet: sheet.name },
      },
    );
  }
  return sheet;
}

/** Streams the rows of one worksheet part, in batches as the XML arrives. */
async function* readSheet(
  zip: ZipArchive,
  entry: ZipEntry,
  context: SheetContext,
  signal: AbortSignal | undefined,
): AsyncGenerator<SheetRow[], void, undefined> {
  const handler = new SheetHandler(context);
  const scanner = new XmlScanner(handler);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const stream = await zip.stream(entry, signal);
  try {
    for await (const chunk of stream) {
      scanner.write(decoder.decode(chunk as Buffer, { stream: true }));
      if (handler.rows.length > 0) {
        const rows = handler.rows;
        handler.rows = [];
        yield rows;
      }
      if (handler.done) return;
    }
    scanner.write(decoder.decode());
    scanner.end();
    if (handler.rows.length > 0) yield handler.rows;
  } catch (error) {
    if (signal?.aborted) return;
    if (error instanceof LoadstoneError) throw error;
    throw damaged(zip.path, entry.name, error);
  } finally {
    stream.destroy();
  }
}
