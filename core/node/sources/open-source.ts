import { LoadstoneError } from '../../common/errors.ts';
import type { FileSourceSpec, SourceSpec } from '../../common/spec/job-spec.ts';
import { checkTextHead, isZip } from './binary-check.ts';
import { HEAD_BYTES, openByteInput } from './byte-input.ts';
import { openDelimitedSource } from './delimited/delimited-source.ts';
import { detectFormat, type FormatGuess } from './detect-format.ts';
import { dropFixingColumn, unguardLoadstoneExport } from './loadstone-export.ts';
import type { OpenedSource, OpenSourceOptions } from './types.ts';

/**
 * Opens any supported source file: gunzips `.gz` (by magic bytes), takes the format from
 * `spec.format` or detects it (`detectFormat`), and hands over to the source of that format.
 * The JSON, NDJSON and XLSX readers are imported on first use, so reading a CSV never loads
 * the XLSX library. A file that is not text (an image, a PDF, an executable, a ZIP that is no
 * workbook, bytes no supported encoding explains) is refused before anything reads it as text; a
 * ZIP whose name says CSV is read as the workbook it most likely is.
 * @throws LoadstoneError SOURCE_NOT_FOUND / SOURCE_UNREADABLE (file), SOURCE_FORMAT (not a text
 *   file, a gzipped XLSX), SPEC_INVALID (settings that cannot work together)
 */
export async function openSource(spec: SourceSpec, opts: OpenSourceOptions = {}): Promise<OpenedSource> {
  switch (spec.kind) {
    case 'mysql': {
      const { openMysqlSource } = await import('./mysql/mysql-source.ts');
      return await openMysqlSource(spec, opts);
    }
    case 'postgres': {
      const { openPostgresSource } = await import('./postgres/postgres-source.ts');
      return await openPostgresSource(spec, opts);
    }
    case 'sqlite': {
      const { openSqliteSource } = await import('./sqlite/sqlite-source.ts');
      return await openSqliteSource(spec, opts);
    }
    case 'http': {
      const { openHttpSource } = await import('./http/http-source.ts');
      return await openHttpSource(spec, opts);
    }
    default:
      return await openFileSource(spec, opts);
  }
}

/** Opens a source file (see `openSource`). */
async function openFileSource(spec: FileSourceSpec, opts: OpenSourceOptions): Promise<OpenedSource> {
  const input = await openByteInput(spec.path, spec.compression);
  try {
    let guess: FormatGuess = spec.format
      ? { kind: spec.format, by: 'spec' }
      : detectFormat(spec.path, input.head);
    // A ZIP named .csv (or .txt, …) is most likely a workbook saved under the wrong name.
    if (
      guess.by === 'extension' &&
      guess.kind !== 'xlsx' &&
      input.compression === 'none' &&
      isZip(input.head)
    ) {
      guess = { kind: 'xlsx', by: 'content' };
    }
    if (guess.kind !== 'xlsx') {
      checkTextHead(spec.path, input.head, input.head.length < HEAD_BYTES, spec.encoding);
    }
    switch (guess.kind) {
      case 'xlsx': {
        if (input.compression === 'gzip') {
          throw new LoadstoneError(
            'SOURCE_FORMAT',
            `${spec.path}: a gzipped XLSX cannot be read; XLSX is already compressed, so unzip the .gz first`,
          );
        }
        // A zip needs random access: the XLSX reader opens the file by path itself.
        await input.close();
        const { openXlsxSource } = await import('./xlsx/xlsx-source.ts');
        return await openXlsxSource(spec.path, spec, opts);
      }
      case 'json': {
        const { openJsonSource } = await import('./json/json-source.ts');
        return await openJsonSource(input, spec, opts);
      }
      case 'ndjson': {
        const { openNdjsonSource } = await import('./ndjson/ndjson-source.ts');
        return await openNdjsonSource(input, spec, opts);
      }
      default: {
        // An explicit `format: 'tsv'` means tab-separated; a file name only suggests it.
        const told =
          spec.format === 'tsv' && spec.delimiter === undefined ? { ...spec, delimiter: '\t' } : spec;
        const read = unguardLoadstoneExport(
          await openDelimitedSource(input, told, opts, { delimiter: guess.delimiter }),
        );
        return opts.reload ? dropFixingColumn(read) : read;
      }
    }
  } catch (error) {
    await input.close();
    throw error;
  }
}
