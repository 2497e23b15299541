import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { createTestDatabase } from '../../pg/test-server.ts';
import { openStore, type RunStore } from '../../store/open-store.ts';
import { tempDir, testSecretStore } from '../../store/test-fixtures/support.ts';
import { createMysqlTestDatabase, type MysqlTestServer, mysqlServerForTests } from './test-server.ts';

/** What a MariaDB test file works with; the fields but `server` and `skip` are set by its `beforeAll`. */
export interface MysqlTestBed {
  /** The file's MariaDB server, or null: the file's tests skip (`describe.skipIf(!bed.server)`), `skip` says why. */
  readonly server: MysqlTestServer | null;
  readonly skip: string | null;
  /** The file's own database `loadstone_test_<name>` (its URL has the password). */
  readonly myUrl: string;
  /** A connection to it (`multipleStatements`), open until the file ends. */
  readonly my: mysql.Connection;
  /** With `target`: the file's PostgreSQL database `loadstone_test_mysql_<name>` and a client on it. */
  readonly pgUrl: string;
  readonly client: pg.Client;
  /** With `target`: a run store in a fresh folder `storeDir`. */
  readonly store: RunStore;
  readonly storeDir: string;
}

/**
 * The set-up every MariaDB test file shares: starts the server at collection (or says why there is
 * none: the file's tests then skip, never silently), and registers the file's `beforeAll` (its own
 * database, a connection to it, `setup` run on that connection; with `target`, a PostgreSQL database,
 * a client and a run store) and `afterAll` (`teardown`, then everything closed and the server stopped).
 * Call at the top of the file: `const bed = await mysqlTestBed('flags', { target: true, setup })`.
 */
export async function mysqlTestBed(
  name: string,
  opts: {
    target?: boolean;
    setup?: (my: mysql.Connection) => Promise<unknown>;
    teardown?: (my: mysql.Connection) => Promise<unknown>;
  } = {},
): Promise<MysqlTestBed> {
  const { server, skip } = await mysqlServerForTests();
  const bed = { server, skip } as { -readonly [K in keyof MysqlTestBed]: MysqlTestBed[K] };
  beforeAll(async () => {
    if (!server) return;
    bed.myUrl = await createMysqlTestDatabase(server.url, name);
    bed.my = await mysql.createConnection({ uri: bed.myUrl, multipleStatements: true });
    if (opts.target) {
      bed.pgUrl = await createTestDatabase(inject('pgUrl'), `mysql_${name}`);
      bed.client = new pg.Client({ connectionString: bed.pgUrl });
      await bed.client.connect();
      bed.storeDir = tempDir();
      bed.store = openStore(bed.storeDir, { secretStore: testSecretStore() });
    }
    await opts.setup?.(bed.my);
  });
  afterAll(async () => {
    try {
      if (bed.my && opts.teardown) await opts.teardown(bed.my);
    } finally {
      bed.store?.close();
      await bed.client?.end();
      await bed.my?.end();
      await server?.stop();
    }
  });
  return bed;
}
