// Test support: a database of encoding SQL_ASCII, as `initdb -E SQL_ASCII` and old dumps give.
import pg from 'pg';
import { quoteIdent } from '../../pg/identifiers.ts';

/**
 * Creates (again) database `name` of encoding SQL_ASCII on the server at `serverUrl` and returns
 * its URL: a database that keeps whatever bytes a program stores in its text.
 */
export async function sqlAsciiDatabase(serverUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
    await admin.query(
      `CREATE DATABASE ${quoteIdent(name)} ENCODING 'SQL_ASCII' LOCALE 'C' TEMPLATE template0`,
    );
  } finally {
    await admin.end();
  }
  const out = new URL(serverUrl);
  out.pathname = `/${name}`;
  return out.toString();
}
