/**
 * The cost of running the browser host's engine in a child process (crash isolation): the latency of
 * `preview.run` over HTTP with the engine in the host's process and in its child, on the messy CSV
 * (200 rows shown, 10,000 sampled). The two are called in turn (interleaved, so whatever else the
 * machine does weighs on both alike) after a warm-up; the medians are kept.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngine } from '../core/node/handlers/engine.ts';
import type { Logger } from '../core/node/handlers/logger.ts';
import { ChildEngine } from '../core/node/host/child-engine.ts';
import { type BrowserHost, startBrowserHost } from '../core/node/host/host.ts';
import { KeyedSecretStore } from '../core/node/store/index.ts';
import { generateCsv } from './generate.ts';

const quiet: Logger = { info: () => {}, warn: () => {}, error: () => {} };

async function previewOnce(host: BrowserHost, handle: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${host.origin}/api/call/preview.run`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${host.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ spec: { source: { handle } }, limit: 200 }),
  });
  const reply = (await res.json()) as { ok: boolean };
  if (!reply.ok) throw new Error(`preview failed: ${JSON.stringify(reply)}`);
  return performance.now() - started;
}

const median = (times: number[]) => [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;

/** Median `preview.run` latency over HTTP, engine in the host's process vs in its child process. */
export async function benchHost(opts: { rows?: number; repeat?: number } = {}) {
  const { path } = await generateCsv('messy', opts.rows ?? 1_000_000);
  const repeat = opts.repeat ?? 30;
  const root = mkdtempSync(join(tmpdir(), 'loadstone-bench-host-'));
  const inProcess = await openEngine({
    dataDir: join(root, 'in-process'),
    secretStore: new KeyedSecretStore(randomBytes(32)),
    transport: 'http',
    version: 'bench',
    log: quiet,
  });
  const child = await ChildEngine.start({ dataDir: join(root, 'child'), version: 'bench', log: quiet });
  const hosts = [
    await startBrowserHost({ engine: inProcess, rendererDir: null }),
    await startBrowserHost({ engine: child, rendererDir: null }),
  ];
  try {
    const granted = await child.grant({ kind: 'read', path });
    if (!granted.ok) throw new Error(granted.error.message);
    const handles = [(await inProcess.grants.grantRead(path)).handle, granted.value.handle];
    for (const i of [0, 1]) await previewOnce(hosts[i]!, handles[i]!);
    const times: number[][] = [[], []];
    for (let r = 0; r < repeat; r++) {
      for (const i of r % 2 === 0 ? [0, 1] : [1, 0])
        times[i]!.push(await previewOnce(hosts[i]!, handles[i]!));
    }
    const [a, b] = [median(times[0]!), median(times[1]!)];
    return {
      previewInProcessMs: Math.round(a),
      previewChildProcessMs: Math.round(b),
      costMs: Math.round(b - a),
      repeat,
    };
  } finally {
    for (const host of hosts) await host.close();
    await inProcess.close();
    await child.close();
    rmSync(root, { recursive: true, force: true });
  }
}
