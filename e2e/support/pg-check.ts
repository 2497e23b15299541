import pg from 'pg';

/** Rows in `public.<table>`, or null when the table does not exist: the database's own answer. */
export async function tableCount(url: string, table: string): Promise<number | null> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const exists = await client.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [
      `public.${table}`,
    ]);
    if (exists.rows[0]?.t == null) return null;
    const r = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM public."${table}"`);
    return r.rows[0]?.n ?? 0;
  } finally {
    await client.end();
  }
}

/** Every row of `public.<table>` ordered by `order`, as plain objects (values as pg returns them). */
export async function tableRows(
  url: string,
  table: string,
  order: string,
): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const r = await client.query(`SELECT * FROM public."${table}" ORDER BY "${order}"`);
    return r.rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}
