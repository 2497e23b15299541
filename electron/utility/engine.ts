// Entry of the engine's Electron utility process: opens the engine (run store, handlers, loads) and
// relays main's messages to the engine server (calls, cancels, file grants) and the event bus to main.
// All logic is in core/node/handlers.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type {
  EngineToMainMessage,
  KeyOperation,
  MainToEngineMessage,
} from '../../core/common/contract/electron-ipc.ts';
import { openEngine } from '../../core/node/handlers/engine.ts';
import { type KeyProtector, openEngineSecretStore } from '../../core/node/handlers/engine-key.ts';
import {
  createEngineServer,
  engineNotStarted,
  type ServedMessage,
} from '../../core/node/handlers/engine-server.ts';
import { createStreamLogger } from '../../core/node/handlers/logger.ts';
import { scrubSecrets } from '../../core/node/handlers/scrub.ts';
import type { Engine } from '../../core/node/handlers/types.ts';
import { tuneHeapForLoads } from '../../core/node/runtime/heap.ts';
import { applyPrivateUmask } from '../../core/node/runtime/private-files.ts';
import { resolveDataDir } from '../../core/node/store/data-dir.ts';

// The engine runs the loads: keep its peak RSS near the live size.
tuneHeapForLoads();
// The store, exports and the warehouse hold the operator's data: private whatever creates them.
applyPrivateUmask();

const port = process.parentPort;
const log = createStreamLogger(process.stderr, 'loadstone-engine');
// Bundled as dist/electron/engine.mjs; the build copies the store's migrations beside it.
const migrationsDir = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

let engine: Promise<Engine> | null = null;
/** Calls, cancels, grants and events, shared with the browser host's engine child. */
let server: Promise<ReturnType<typeof createEngineServer>> | null = null;
let nextKeyRequest = 1;
const keyRequests = new Map<number, { resolve: (data: Buffer) => void; reject: (error: Error) => void }>();

const post = (message: EngineToMainMessage) => port.postMessage(message);

/** safeStorage lives in main: ask it, and wait for the answer. */
function askMain(op: KeyOperation, data: Buffer): Promise<Buffer> {
  const id = nextKeyRequest++;
  return new Promise((resolve, reject) => {
    keyRequests.set(id, { resolve, reject });
    post({ type: 'key-request', id, op, data: data.toString('base64') });
  });
}

async function start(init: Extract<MainToEngineMessage, { type: 'init' }>): Promise<Engine> {
  const dataDir = resolveDataDir({ dataDir: init.dataDir, env: process.env });
  const protector: KeyProtector | null = init.osEncryption
    ? { protect: (data) => askMain('encrypt', data), unprotect: (data) => askMain('decrypt', data) }
    : null;
  const secretStore = await openEngineSecretStore(dataDir, protector, log);
  const opened = await openEngine({
    dataDir,
    secretStore,
    transport: 'electron',
    version: init.version,
    log,
    migrationsDir,
  });
  // Saved jobs run on their schedules while the app is open; quitting cancels scheduled loads still running.
  opened.startScheduler();
  post({ type: 'ready' });
  return opened;
}

/** Answers a message once the engine is open (or says it could not start). */
async function serve(message: ServedMessage): Promise<void> {
  let opened: ReturnType<typeof createEngineServer>;
  try {
    if (!server) throw new Error('not started');
    opened = await server;
  } catch {
    const reply = engineNotStarted(engine ? 'The engine failed to start.' : 'The engine is not started.');
    if (message.type === 'call') post({ type: 'reply', id: message.id, reply });
    else if (message.type === 'grant') post({ type: 'granted', id: message.id, reply });
    return;
  }
  await opened.handle(message);
}

async function shutdown(): Promise<void> {
  try {
    await (await engine)?.close();
  } catch (error) {
    log.error(`engine shutdown: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exit(0);
}

port.on('message', (event) => {
  const message = event.data as MainToEngineMessage;
  switch (message.type) {
    case 'init':
      if (engine) return;
      engine = start(message);
      server = engine.then((opened) => createEngineServer(opened, post));
      server.catch(() => {});
      engine.catch((error: unknown) => {
        const text = error instanceof Error ? error.message : String(error);
        log.error(`engine failed to start: ${text}`);
        post({ type: 'fatal', message: `The Loadstone engine could not start: ${scrubSecrets(text)}` });
      });
      return;
    case 'call':
    case 'cancel':
    case 'grant':
    case 'export-report':
    case 'export-ack':
      void serve(message);
      return;
    case 'key-reply': {
      const pending = keyRequests.get(message.id);
      keyRequests.delete(message.id);
      if (message.ok) pending?.resolve(Buffer.from(message.data, 'base64'));
      else pending?.reject(new Error(message.message));
      return;
    }
    case 'shutdown':
      void shutdown();
      return;
  }
});
