import type { ConnectionDto } from '../../common/contract/shared-schemas.ts';
import { LoadstoneError } from '../../common/errors.ts';
import { connectTarget, serverFacts } from '../pg/connect.ts';
import { WAREHOUSE_DATABASE } from '../pg/local-warehouse.ts';
import { mysqlServerVersion } from '../sources/mysql/mysql-connection.ts';
import { type ConnectionInfo, LOCAL_CONNECTION } from '../store/index.ts';
import type { HandlerContext } from './context.ts';
import { scrubSecrets } from './scrub.ts';
import { isLocalConnection, targetConfigFor } from './target-config.ts';
import type { Handlers } from './types.ts';

type ConnectionHandlers = Pick<
  Handlers,
  'connections.list' | 'connections.save' | 'connections.delete' | 'connections.test'
>;

/** The built-in embedded warehouse, always listed first; its port is chosen when it starts. */
function localConnection(): ConnectionDto {
  return {
    name: LOCAL_CONNECTION,
    kind: 'postgres',
    host: '127.0.0.1',
    port: 0,
    database: WAREHOUSE_DATABASE,
    user: 'postgres',
    sslMode: 'disable',
    options: {},
    hasSecret: false,
    builtIn: true,
  };
}

/** A saved connection as the UI may see it: settings and whether a secret is saved, never the secret. */
function toDto(info: ConnectionInfo): ConnectionDto {
  return {
    name: info.name,
    kind: info.kind,
    host: info.host,
    port: info.port,
    database: info.database,
    user: info.user,
    sslMode: info.sslMode,
    // What only a URL could say before: the form shows and edits them (a MySQL connection has none).
    options: { ...info.options },
    hasSecret: info.hasSecret,
    builtIn: false,
  };
}

/** connections.*: saved PostgreSQL connections plus the built-in `local` warehouse. */
export function connectionHandlers(ctx: HandlerContext): ConnectionHandlers {
  const { store, bus } = ctx;
  return {
    async 'connections.list'() {
      return [localConnection(), ...store.connections.list().map(toDto)];
    },

    async 'connections.save'(input) {
      const saved = store.connections.save(input);
      bus.publish('data.changed', { domain: 'connections' });
      return toDto(saved);
    },

    async 'connections.delete'({ name }) {
      if (isLocalConnection(name)) {
        throw new LoadstoneError('BAD_USAGE', "'local' is the built-in warehouse and cannot be removed");
      }
      if (!store.connections.remove(name)) {
        throw new LoadstoneError('NOT_FOUND', `no saved connection named '${name}'`);
      }
      bus.publish('data.changed', { domain: 'connections' });
      return { ok: true };
    },

    async 'connections.test'(input) {
      const draft = 'draft' in input ? input.draft : null;
      const name = 'name' in input ? input.name : null;
      if (name !== null && !isLocalConnection(name) && !store.connections.get(name)) {
        throw new LoadstoneError('NOT_FOUND', `no saved connection named '${name}'`);
      }
      // Anything that stops the connection (an undecryptable secret, a refused password, a warehouse
      // that cannot start) is the answer to "does this connection work?", not a failed call.
      let secrets: string[] = [];
      if (name !== null && store.connections.get(name)?.kind === 'mysql') {
        try {
          const config = store.connections.resolveMysql(name, { env: ctx.env });
          if (typeof config.password === 'string') secrets = [config.password];
          const version = await mysqlServerVersion(config);
          return { ok: true, serverVersion: version, tls: null, error: null };
        } catch (error) {
          return failed(error, secrets);
        }
      }
      try {
        const config =
          draft !== null
            ? store.connections.resolveDraft(draft, { env: ctx.env, onWarning: (m) => ctx.log.warn(m) })
            : await targetConfigFor(ctx, name!);
        if (typeof config.password === 'string') secrets = [config.password];
        if (draft?.password) secrets.push(draft.password);
        const client = await connectTarget(config);
        try {
          const facts = await serverFacts(client);
          return { ok: true, serverVersion: facts.serverVersion, tls: facts.tls, error: null };
        } finally {
          await client.end().catch(() => {});
        }
      } catch (error) {
        return failed(error, secrets);
      }
    },
  };
}

/**
 * Why the connection failed, in words (see `explainConnectError`) with the server's (or network's)
 * exact message, any password scrubbed.
 */
function failed(
  error: unknown,
  secrets: string[],
): { ok: false; serverVersion: null; tls: null; error: string } {
  const message = error instanceof Error ? error.message : String(error);
  return { ok: false, serverVersion: null, tls: null, error: scrubSecrets(message, secrets) };
}
