// Test helpers (imported by *.test.ts only): a real engine on a fresh temp data folder.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { removeRootCluster } from '../pg/test-server.ts';
import { KeyedSecretStore } from '../store/index.ts';
import { openEngine } from './engine.ts';
import type { Logger } from './logger.ts';
import type { Engine } from './types.ts';

/** A logger that keeps its lines, so tests can assert what was (and was not) logged. */
export interface MemoryLogger extends Logger {
  readonly lines: string[];
}

export function memoryLogger(): MemoryLogger {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`info: ${m}`),
    warn: (m) => lines.push(`warn: ${m}`),
    error: (m) => lines.push(`error: ${m}`),
  };
}

export interface TestEngine {
  readonly engine: Engine;
  readonly dataDir: string;
  readonly log: MemoryLogger;
  /** A folder for the test's input files. */
  readonly filesDir: string;
  /** Writes a file under `filesDir`; returns its absolute path. */
  writeFile(name: string, content: string | Buffer): string;
  /** Closes the engine and removes the temp folders. */
  close(): Promise<void>;
}

/** Opens a real engine (SQLite store in a temp data folder; secrets encrypted with a random key). */
export async function openTestEngine(
  options: {
    transport?: 'electron' | 'http';
    env?: NodeJS.ProcessEnv;
    /** Fills the data folder before the engine opens it (with the engine's secret store). */
    prepare?: (dataDir: string, secretStore: KeyedSecretStore) => void;
  } = {},
) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'loadstone-'));
  const dataDir = path.join(root, 'data');
  const filesDir = path.join(root, 'files');
  fs.mkdirSync(filesDir);
  const log = memoryLogger();
  const secretStore = new KeyedSecretStore(randomBytes(32));
  options.prepare?.(dataDir, secretStore);
  const engine = await openEngine({
    dataDir,
    secretStore,
    transport: options.transport ?? 'http',
    version: '0.0.0-test',
    log,
    // No PG* variables or ~/.pgpass of the machine running the tests leak into connection resolution.
    env: options.env ?? { PGPASSFILE: path.join(root, 'no-pgpass') },
  });
  const result: TestEngine = {
    engine,
    dataDir,
    log,
    filesDir,
    writeFile(name, content) {
      const file = path.join(filesDir, name);
      fs.writeFileSync(file, content);
      return file;
    },
    async close() {
      await engine.close();
      removeRootCluster(dataDir);
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
  return result;
}
