import { basename, isAbsolute, join, sep } from 'node:path';
import { UPLOADS_DIR } from './file-grants.ts';

/**
 * How a job's or a run's source is named to the operator: a file by its name (an upload is stored
 * as uploads/<random>/<its original name>: the name survives), marked when it is a browser-host
 * upload; an API or a database by its whole label, whose last `/` is in a URL or a query.
 */
export function sourceNaming(dataDir: string): (source: string) => { sourceName: string; uploaded: boolean } {
  const uploads = join(dataDir, UPLOADS_DIR) + sep;
  return (source) => ({
    sourceName: isAbsolute(source) ? basename(source) : source,
    uploaded: source.startsWith(uploads),
  });
}
