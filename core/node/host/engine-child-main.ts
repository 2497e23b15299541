// Entry of the browser host's engine process (see child-engine.ts): opens the engine (run store,
// handlers, loads, file grants) and answers the host's messages through the same engine server as
// Electron's utility process. Exits when the host says so or goes away.
import type {
  EngineToTransportMessage,
  TransportToEngineMessage,
} from '../../common/contract/engine-protocol.ts';
import { openEngine } from '../handlers/engine.ts';
import { createEngineServer } from '../handlers/engine-server.ts';
import { createStreamLogger } from '../handlers/logger.ts';
import { scrubSecrets } from '../handlers/scrub.ts';
import type { Engine } from '../handlers/types.ts';
import { tuneHeapForLoads } from '../runtime/heap.ts';
import { NoSecretStore } from '../store/index.ts';
import type { ChildInit } from './child-engine.ts';
import { crashHookFor } from './crash-hook.ts';
import { keyFileSecretStore } from './secret-key-file.ts';

tuneHeapForLoads();

const log = createStreamLogger(process.stderr, 'loadstone-engine');
const post = (message: EngineToTransportMessage) => {
  if (process.connected) process.send?.(message);
};

let engine: Engine | null = null;
let server: ReturnType<typeof createEngineServer> | null = null;
const queued: TransportToEngineMessage[] = [];

async function start(init: ChildInit): Promise<void> {
  const opened = await openEngine({
    dataDir: init.dataDir,
    secretStore: init.secretKeyFile ? await keyFileSecretStore(init.secretKeyFile) : new NoSecretStore(),
    transport: 'http',
    version: init.version,
    log,
    protectedPaths: init.secretKeyFile ? [init.secretKeyFile] : [],
  });
  engine = opened;
  opened.startScheduler();
  server = createEngineServer(crashHookFor(opened, process.env), post);
  post({ type: 'ready' });
  for (const message of queued.splice(0)) receive(message);
}

async function stop(): Promise<void> {
  server?.close();
  try {
    await engine?.close();
  } catch (error) {
    log.error(`engine shutdown: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exit(0);
}

function receive(message: TransportToEngineMessage): void {
  if (message.type === 'shutdown') {
    void stop();
    return;
  }
  if (!server) {
    queued.push(message);
    return;
  }
  void server.handle(message);
}

process.on('message', (message: ChildInit | TransportToEngineMessage) => {
  if (message.type === 'init') {
    if (engine) return;
    start(message).catch((error: unknown) => {
      const text = error instanceof Error ? error.message : String(error);
      log.error(`engine failed to start: ${text}`);
      post({ type: 'fatal', message: `The Loadstone engine could not start: ${scrubSecrets(text)}` });
      process.exitCode = 1;
      process.disconnect?.();
    });
    return;
  }
  receive(message);
});

// The host went away (it was killed): finish like a shutdown, so loads roll back and the store closes.
process.on('disconnect', () => void stop());
