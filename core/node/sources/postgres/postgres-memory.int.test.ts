import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../../pg/test-server.ts';
import { openSource } from '../open-source.ts';

let url = '';
let client: pg.Client;
const ROWS = 1_000_000;

beforeAll(async () => {
  url = await createTestDatabase(inject('pgUrl'), 'pg_source_memory');
  client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(
    `CREATE TABLE orders AS
       SELECT g AS id, 'customer ' || (g % 9973) AS customer, (g % 1000) * 1.25 AS amount,
              timestamptz '2024-01-01' + g * interval '1 second' AS created_at
         FROM generate_series(1, ${ROWS}) g`,
  );
}, 300_000);
afterAll(async () => {
  await client?.end();
});

describe('a PostgreSQL source streams', () => {
  it('a 1M-row table with flat memory (one COPY stream read as the consumer asks, batches let go)', async () => {
    const source = await openSource({ kind: 'postgres', connection: url, table: 'orders' });
    let rows = 0;
    let last: unknown[] = [];
    let base = 0;
    let peak = 0;
    try {
      for await (const batch of source.rows()) {
        rows += batch.length;
        last = batch[batch.length - 1]!.values;
        const rss = process.memoryUsage.rss();
        if (base === 0 && rows >= 50_000) base = rss;
        if (rss > peak) peak = rss;
      }
    } finally {
      await source.close();
    }
    expect(rows).toBe(ROWS);
    expect(last[0]).toBe(ROWS);
    // Holding 1M rows would take hundreds of MB; a stream stays within a few batches' worth.
    const growthMb = (peak - base) / 1024 / 1024;
    expect(growthMb).toBeLessThan(64);
  }, 300_000);
});
