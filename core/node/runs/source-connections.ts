import type { SourceConnections } from '../sources/types.ts';
import type { RunStore } from '../store/index.ts';

/** The store's saved connections as database sources resolve them (passwords decrypted only here). */
export function sourceConnections(store: RunStore, env: NodeJS.ProcessEnv): SourceConnections {
  return {
    mysql: (nameOrUrl) => store.connections.resolveMysql(nameOrUrl, { env }),
  };
}
