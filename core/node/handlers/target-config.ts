import type { TargetConfig } from '../pg/connect.ts';
import { LOCAL_CONNECTION } from '../store/index.ts';
import type { HandlerContext } from './context.ts';

/** True when `connection` names the built-in embedded warehouse. */
export function isLocalConnection(connection: string): boolean {
  return connection.trim().toLowerCase() === LOCAL_CONNECTION;
}

/**
 * How to connect to a target named in the UI: `local` (the embedded warehouse, started on demand),
 * a saved connection name, or a postgres:// URL. Holds the password: pass it to `connectTarget` only.
 * @throws LoadstoneError NOT_FOUND for an unknown name, SECRET_UNAVAILABLE, TARGET_UNREACHABLE (local).
 */
export async function targetConfigFor(ctx: HandlerContext, connection: string): Promise<TargetConfig> {
  if (isLocalConnection(connection)) return (await ctx.warehouse.open()).config;
  return ctx.store.connections.resolve(connection, { env: ctx.env, onWarning: (m) => ctx.log.warn(m) });
}
