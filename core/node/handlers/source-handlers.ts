import { isLoadstoneError, LoadstoneError } from '../../common/errors.ts';
import { formatDefaults } from '../../common/spec/format-defaults.ts';
import { inspectSource, preview } from '../preview/preview.ts';
import { sourceConnections } from '../runs/source-connections.ts';
import type { ResolvedConnection } from '../store/index.ts';
import type { HandlerContext } from './context.ts';
import type { ReadableFile } from './file-grants.ts';
import type { Handlers } from './types.ts';

/**
 * sources.inspect and preview.run: read-only looks at a granted file; nothing is recorded. Both stop
 * reading when the call's signal aborts (the browser host's client went away).
 */
export function sourceHandlers(
  ctx: HandlerContext,
): Pick<
  Handlers,
  'sources.inspect' | 'sources.tables' | 'preview.run' | 'sources.saveSecret' | 'sources.testRequest'
> {
  const secret = (id: string, url: string): string => ctx.store.sourceSecrets.read(id, url);
  return {
    async 'sources.saveSecret'({ value, url }) {
      return { id: ctx.store.sourceSecrets.save(value, url) };
    },
    async 'sources.testRequest'({ source, limit }, { signal }) {
      const { testRequest } = await import('../sources/http/test-request.ts');
      return await testRequest(source, { env: ctx.env, secret, signal }, limit);
    },
    async 'sources.tables'(input) {
      switch (input.kind) {
        case 'postgres': {
          const { listPostgresTables } = await import('../sources/postgres/pg-tables.ts');
          return await listPostgresTables(resolvePostgres(ctx)(input.connection));
        }
        case 'mysql': {
          const { listMysqlTables } = await import('../sources/mysql/mysql-tables.ts');
          return await listMysqlTables(
            ctx.store.connections.resolveMysql(input.connection, { env: ctx.env }),
          );
        }
        case 'sqlite': {
          const file = await ctx.grants.readable(input.handle, 'handle');
          const { listSqliteTables } = await import('../sources/sqlite/sqlite-tables.ts');
          return namedAsUploaded(file, async () => listSqliteTables(file.path));
        }
      }
    },
    async 'sources.inspect'(ref, { signal }) {
      const { spec, file } = await ctx.grants.source(ref, 'handle');
      return namedAsUploaded(file, () =>
        inspectSource(spec, {
          signal,
          connections: sourceConnections(ctx.store, ctx.env),
          resolveConnection: resolvePostgres(ctx),
          env: ctx.env,
          secret,
        }),
      );
    },
    async 'preview.run'({ spec, limit, progressId }, { signal }) {
      const { spec: source, file } = await ctx.grants.source(spec.source, 'spec.source.handle');
      // The saved Settings' defaults, as the load will apply them.
      const defaults = formatDefaults(ctx.store.settings.get());
      return namedAsUploaded(file, () =>
        preview(
          { ...spec, source },
          {
            limit,
            signal,
            defaults,
            connections: sourceConnections(ctx.store, ctx.env),
            resolveConnection: resolvePostgres(ctx),
            source: {
              env: ctx.env,
              secret,
              ...(progressId !== undefined
                ? { onRead: (read) => ctx.bus.publish('source.progress', { id: progressId, ...read }) }
                : {}),
            },
          },
        ),
      );
    },
  };
}

/** A database source's saved connection (or URL), resolved with its secret, as targets are. */
function resolvePostgres(ctx: HandlerContext): (nameOrUrl: string) => ResolvedConnection {
  return (nameOrUrl) =>
    ctx.store.connections.resolve(nameOrUrl, { env: ctx.env, onWarning: (m) => ctx.log.warn(m) });
}

/**
 * Runs `work`; an error about an uploaded copy names the file as the operator knows it, not by where
 * the host keeps the copy (`…/uploads/7c20…/orders.csv: …` → `orders.csv: …`).
 */
async function namedAsUploaded<T>(file: ReadableFile | null, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!file?.uploaded || !isLoadstoneError(error) || !error.message.includes(file.path)) throw error;
    throw new LoadstoneError(error.code, error.message.replaceAll(file.path, file.name), {
      ...(error.details ? { details: error.details } : {}),
      cause: error,
    });
  }
}
