import { isApiSource, type WizardState } from './wizard-state.ts';

/**
 * How the wizard's sentences name what it reads: a file, a database table, a query's result or an
 * HTTP API's records. The wizard was written for files, and said "the file" of a table or an API
 * ("The whole file was read", "The file has no data rows" of a query that returned none).
 */
export interface SourceWords {
  /** "the file", "the table", "the query's result", "the API's records". */
  readonly phrase: string;
  /** What the dry run reads: "the whole file", "the whole table", "the query's whole result", "every page of the API". */
  readonly whole: string;
  /** The empty preview: "The file has no data rows.", "The query returned no rows."… */
  readonly noRows: string;
  /** What the plan loads: the file's name, the API's URL, `table public.orders from shop`, `a query on shop`. */
  readonly label: string;
}

export function sourceWords(state: Pick<WizardState, 'database' | 'source' | 'file'>): SourceWords {
  const db = state.database;
  if (db) {
    const where = db.kind === 'sqlite' ? (state.file?.name ?? 'the SQLite file') : db.connection;
    if (db.query !== undefined) {
      return {
        phrase: "the query's result",
        whole: "the query's whole result",
        noRows: 'The query returned no rows.',
        label: `a query on ${where}`,
      };
    }
    return {
      phrase: 'the table',
      whole: 'the whole table',
      noRows: 'The table has no rows.',
      label: `table ${db.table ?? ''} from ${where}`,
    };
  }
  if (isApiSource(state.source)) {
    return {
      phrase: "the API's records",
      whole: 'every page of the API',
      noRows: 'The API returned no records.',
      label: state.source.url,
    };
  }
  return {
    phrase: 'the file',
    whole: 'the whole file',
    noRows: 'The file has no data rows.',
    label: state.file?.name ?? '',
  };
}
