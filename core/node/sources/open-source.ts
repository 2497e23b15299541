import { LoadstoneError } from '../../common/errors.ts';
import type { SourceSpec } from '../../common/spec/job-spec.ts';
import { openByteInput } from './byte-input.ts';
import { openDelimitedSource } from './delimited/delimited-source.ts';
import { detectFormat, type FormatGuess } from './detect-format.ts';
import { unguardLoadstoneExport } from './loadstone-export.ts';
import type { OpenedSource, OpenSourceOptions } from './types.ts';

/**
 * Opens any supported source file: gunzips `.gz` (by magic bytes), takes the format from
 * `spec.format` or detects it (`detectFormat`), and hands over to the source of that format.
 * The JSON, NDJSON and XLSX readers are imported on first use, so reading a CSV never loads
 * the XLSX library.
 * @throws LoadstoneError SOURCE_NOT_FOUND / SOURCE_UNREADABLE (file), SOURCE_FORMAT (a gzipped
 *   XLSX), SPEC_INVALID (settings that cannot work together)
 */
export async function openSource(spec: SourceSpec, opts: OpenSourceOptions = {}): Promise<OpenedSource> {
  const input = await openByteInput(spec.path, spec.compression);
  try {
    const guess: FormatGuess = spec.format
      ? { kind: spec.format, by: 'spec' }
      : detectFormat(spec.path, input.head);
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
        return unguardLoadstoneExport(
          await openDelimitedSource(input, told, opts, { delimiter: guess.delimiter }),
        );
      }
    }
  } catch (error) {
    await input.close();
    throw error;
  }
}
