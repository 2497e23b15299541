import { describe, expect, it } from 'vitest';
import { sourceWords } from './source-words.ts';

const file = { handle: 'h1', name: 'crm.db', sizeBytes: 1, uploaded: false, sqlite: true };

describe('how the wizard names its source', () => {
  it('a file by its name, a table or query by where it is, an API by its URL', () => {
    expect(sourceWords({ database: null, source: { handle: 'h1' }, file })).toMatchObject({
      label: 'crm.db',
      whole: 'the whole file',
      noRows: 'The file has no data rows.',
    });
    expect(
      sourceWords({
        database: { kind: 'postgres', connection: 'shop', table: 'public.orders' },
        source: null,
        file: null,
      }),
    ).toMatchObject({
      label: 'table public.orders from shop',
      whole: 'the whole table',
      noRows: 'The table has no rows.',
    });
    expect(
      sourceWords({ database: { kind: 'sqlite', handle: 'h1', query: 'select 1' }, source: null, file }),
    ).toMatchObject({ label: 'a query on crm.db', noRows: 'The query returned no rows.' });
    expect(
      sourceWords({
        database: null,
        source: { kind: 'http', url: 'https://api.example.com/v1/items' },
        file: null,
      }),
    ).toMatchObject({
      label: 'https://api.example.com/v1/items',
      whole: 'every page of the API',
      noRows: 'The API returned no records.',
    });
  });
});
