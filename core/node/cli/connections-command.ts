import { LoadstoneError } from '../../common/errors.ts';
import { connectTarget, serverFacts, unreachable } from '../pg/connect.ts';
import { mysqlServerVersion } from '../sources/mysql/mysql-connection.ts';
import { isMysqlUrl } from '../sources/mysql/mysql-url.ts';
import type { RunStore } from '../store/open-store.ts';
import { LOCAL_CONNECTION } from '../store/resolve-connection.ts';
import type { ConnectionKind } from '../store/types.ts';
import { parseCliArgs } from './args.ts';
import { EXIT } from './exit-codes.ts';
import type { CliCommand, CliIo } from './io.ts';
import { cell, DATA_DIR_HELP, DATA_DIR_OPTION, withCliStore } from './store-command-support.ts';
import { renderTable } from './table.ts';

const USAGE = `Usage: loadstone connections <add|list|remove|test> …

Saved connections: PostgreSQL (targets and sources) and MySQL / MariaDB (sources). A saved
PostgreSQL name can be used wherever a target URL is accepted, a MySQL one as a source's connection.

  connections add <name> <postgres-url> [--replace]
  connections add --kind mysql <name> <mysql-url> [--replace]
        Save a connection (a mysql:// or mariadb:// URL is a MySQL connection without --kind too).
        The CLI cannot encrypt secrets, so a URL with a password is refused: save it without one
        and set PGPASSWORD or add a line to ~/.pgpass (host:port:db:user:password); for MySQL set
        MYSQL_PWD. The desktop app saves passwords encrypted.
  connections list [--json]
  connections remove <name>
  connections test <name|postgres-url|mysql-url>
        Connect and print the server version, or the server's error (exit code 4).

  --kind KIND     With add: postgres (default) or mysql
  --replace       With add: replace a connection of the same name
  --json          With list: print one JSON array
${DATA_DIR_HELP}`;

/** `loadstone connections …`: add, list, remove and test saved connections. */
export const connectionsCommand: CliCommand = async (args, io) => {
  const { values, positionals } = parseCliArgs(
    args,
    {
      ...DATA_DIR_OPTION,
      json: { type: 'boolean' },
      replace: { type: 'boolean' },
      kind: { type: 'string' },
    },
    USAGE,
  );
  const [sub, ...rest] = positionals;
  if (values.help || sub === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  const expect = (n: number, shape: string) => {
    if (rest.length !== n)
      throw new LoadstoneError('BAD_USAGE', `usage: loadstone connections ${sub} ${shape}`);
  };
  switch (sub) {
    case 'add':
      expect(2, '[--kind postgres|mysql] <name> <url> [--replace]');
      return withCliStore(values['data-dir'], io, async (store) =>
        add(store, rest[0]!, rest[1]!, values.replace === true, kindOption(values.kind), io),
      );
    case 'list':
      expect(0, '[--json]');
      return withCliStore(values['data-dir'], io, async (store) => list(store, values.json === true, io));
    case 'remove':
      expect(1, '<name>');
      return withCliStore(values['data-dir'], io, async (store) => remove(store, rest[0]!, io));
    case 'test':
      expect(1, '<name|postgres-url|mysql-url>');
      return withCliStore(values['data-dir'], io, async (store) => test(store, rest[0]!, io));
    default:
      throw new LoadstoneError(
        'BAD_USAGE',
        sub === undefined
          ? "connections needs a subcommand: add, list, remove or test (see 'loadstone connections --help')"
          : `unknown connections subcommand '${sub}': use add, list, remove or test`,
      );
  }
};

function kindOption(kind: string | undefined): ConnectionKind | undefined {
  if (kind === undefined || kind === 'postgres' || kind === 'mysql') return kind;
  throw new LoadstoneError('BAD_USAGE', `--kind '${kind}' is not one of postgres, mysql`);
}

function add(
  store: RunStore,
  name: string,
  url: string,
  replace: boolean,
  kind: ConnectionKind | undefined,
  io: CliIo,
): number {
  const mysqlUrl = isMysqlUrl(url);
  if (kind === 'mysql' && !mysqlUrl) {
    throw new LoadstoneError('BAD_USAGE', 'a MySQL connection must be a mysql:// or mariadb:// URL');
  }
  if (kind !== 'mysql' && !mysqlUrl && !/^postgres(ql)?:\/\//i.test(url.trim())) {
    throw new LoadstoneError('BAD_USAGE', 'the connection must be a postgres:// or postgresql:// URL');
  }
  if (kind === 'postgres' && mysqlUrl) {
    throw new LoadstoneError('BAD_USAGE', 'a mysql:// URL is a MySQL connection: use --kind mysql');
  }
  const info = store.connections.save(
    { name, url, kind: mysqlUrl ? 'mysql' : 'postgres' },
    { overwrite: replace },
  );
  io.stdout.write(`Saved connection '${info.name}': ${store.connections.displayUrl(info)}\n`);
  return EXIT.ok;
}

function list(store: RunStore, json: boolean, io: CliIo): number {
  const connections = store.connections.list();
  if (json) {
    io.stdout.write(
      `${JSON.stringify(connections.map((c) => ({ ...c, url: store.connections.displayUrl(c) })))}\n`,
    );
    return EXIT.ok;
  }
  const rows = [
    [LOCAL_CONNECTION, '(built-in embedded warehouse, started by loads)', '', ''],
    ...connections.map((c) => [
      c.name,
      cell(store.connections.displayUrl(c), 80),
      c.sslMode,
      c.hasSecret ? 'saved (desktop app)' : '',
    ]),
  ];
  io.stdout.write(`${renderTable(['name', 'url', 'ssl', 'password'], rows)}\n`);
  return EXIT.ok;
}

function remove(store: RunStore, name: string, io: CliIo): number {
  if (name.trim().toLowerCase() === LOCAL_CONNECTION) {
    throw new LoadstoneError('BAD_USAGE', "'local' is the built-in warehouse and cannot be removed");
  }
  if (!store.connections.remove(name)) {
    throw new LoadstoneError(
      'NOT_FOUND',
      `no saved connection named '${name}' (see 'loadstone connections list')`,
    );
  }
  io.stdout.write(`Removed connection '${name}'\n`);
  return EXIT.ok;
}

async function test(store: RunStore, target: string, io: CliIo): Promise<number> {
  if (target.trim().toLowerCase() === LOCAL_CONNECTION) {
    throw new LoadstoneError(
      'BAD_USAGE',
      "'local' is the built-in embedded warehouse; loads start it, there is no server to test beforehand",
    );
  }
  const saved = store.connections.get(target.trim());
  if (isMysqlUrl(target) || saved?.kind === 'mysql') return testMysql(store, target, io);
  const config = store.connections.resolve(target, {
    env: io.env,
    onWarning: (message) => io.stderr.write(`loadstone: warning: ${message}\n`),
  });
  const client = await connectTarget(config);
  try {
    const facts = await serverFacts(client);
    const encryption = facts.tls ? `encrypted (${facts.tls})` : 'not encrypted';
    io.stdout.write(`PostgreSQL ${facts.serverVersion}, ${encryption}\n`);
    return EXIT.ok;
  } catch (error) {
    throw unreachable(error, config, 'cannot query');
  } finally {
    await client.end().catch(() => {});
  }
}

async function testMysql(store: RunStore, target: string, io: CliIo): Promise<number> {
  const config = store.connections.resolveMysql(target, { env: io.env });
  const version = await mysqlServerVersion(config);
  io.stdout.write(`${version}, ${config.sslMode === 'disable' ? 'not encrypted' : 'encrypted'}\n`);
  return EXIT.ok;
}
