import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from './test-server.ts';

describe('test server (global setup)', () => {
  it('provides a reachable server and per-file databases', async () => {
    const url = await createTestDatabase(inject('pgUrl'), 'test_server');
    expect(url).toMatch(/\/loadstone_test_test_server$/);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const r = await client.query<{ db: string; enc: string }>(
        'SELECT current_database() AS db, pg_encoding_to_char(encoding) AS enc FROM pg_database WHERE datname = current_database()',
      );
      expect(r.rows[0]).toEqual({ db: 'loadstone_test_test_server', enc: 'UTF8' });
    } finally {
      await client.end();
    }
  });
});
