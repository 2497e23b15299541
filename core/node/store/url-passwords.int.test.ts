import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../handlers/dispatch.ts';
import { openTestEngine, type TestEngine } from '../handlers/test-support.ts';
import { freeLoopbackPort } from '../pg/cluster.ts';

// Issue 13 §4: a password with unencoded '#', '@' or '/' in a target URL. The URL is parsed as
// libpq does (or refused), a real connection attempt fails against a real closed port, and the
// failure is recorded in a real run store: no piece of the password anywhere, and the host the
// error names is the host that was tried.

let t: TestEngine;
let port: number;

beforeAll(async () => {
  t = await openTestEngine();
  port = await freeLoopbackPort(); // nothing listens there: the connection is refused
});

afterAll(async () => {
  await t?.close();
});

type Finished = { runId: string; status: string; error: { code: string; message: string } | null };

/**
 * Starts a load into `url` through the handlers and waits for its end; a start refused at once
 * (a URL that cannot be read) gives its error instead.
 */
async function loadInto(
  url: string,
): Promise<{ runId: string; finished: Finished } | { refused: { code: string; message: string } }> {
  const csv = t.writeFile('rows.csv', 'id,name\n1,a\n2,b\n');
  // As a transport would after the operator picked the file.
  const { handle } = await t.engine.grants.grantRead(csv);
  let off = () => {};
  const ended = new Promise<Finished>((resolve) => {
    off = t.engine.bus.on('load.finished', (payload) => resolve(payload as Finished));
  });
  try {
    const reply = await dispatch(
      t.engine.handlers,
      'loads.start',
      { spec: { source: { handle }, target: { connection: url, table: 'rows' } } },
      t.engine.log,
    );
    if (!reply.ok) return { refused: reply.error };
    return { runId: (reply.value as { runId: string }).runId, finished: await ended };
  } finally {
    off();
  }
}

/** Every byte the store keeps (database and WAL) as text, plus what the engine logged. */
function everythingRecorded(): string {
  const files = fs.readdirSync(t.dataDir).filter((n) => n.startsWith('loadstone.db'));
  const bytes = Buffer.concat(files.map((n) => fs.readFileSync(path.join(t.dataDir, n))));
  return `${bytes.toString('latin1')}\n${t.log.lines.join('\n')}`;
}

describe('passwords in target URLs', () => {
  it.each([
    // '#' in the password: the browser-style reading took 'Hunter2' for the port.
    ['u:Qxv2#horse'],
    // '@' and '#': the browser-style reading connected to 'horse' ("getaddrinfo ENOTFOUND horse").
    ['u:Qxv@horse#b'],
    // '?' and ':'.
    ['u:Qxv?horse:b'],
  ])(
    'user info %s: connects to the host written after the last @, records no piece of the password',
    async (userinfo) => {
      const result = await loadInto(`postgres://${userinfo}@127.0.0.1:${port}/db`);
      if (!('finished' in result)) throw new Error(`refused: ${result.refused.message}`);
      const { runId, finished } = result;
      expect(finished.status).toBe('failed');
      expect(finished.error?.code).toBe('target_unreachable');
      // The host shown is the host tried.
      expect(finished.error?.message).toContain(`postgres://u:***@127.0.0.1:${port}/db`);
      expect(finished.error?.message).toMatch(new RegExp(`ECONNREFUSED 127\\.0\\.0\\.1:${port}`));
      const run = await dispatch(t.engine.handlers, 'runs.get', { runId }, t.engine.log);
      expect(run.ok && run.value).toMatchObject({
        status: 'failed',
        target: `postgres://u:***@127.0.0.1:${port}/db`,
      });
      expect(JSON.stringify([finished, run])).not.toMatch(/Qxv|horse/);
      expect(everythingRecorded()).not.toMatch(/Qxv|horse/);
    },
  );

  it("refuses a '/' in the password, saying to percent-encode it, and records no piece of it", async () => {
    const result = await loadInto(`postgres://u:Qxv/horse@127.0.0.1:${port}/db`);
    // Refused before a run starts (the URL is read first), with the way out in the message.
    expect(result).toMatchObject({ refused: { code: 'bad_usage' } });
    const message = 'refused' in result ? result.refused.message : '';
    expect(message).toContain("percent-encode '/' in a password as %2F");
    expect(message).not.toMatch(/Qxv|horse/);
    expect(everythingRecorded()).not.toMatch(/Qxv|horse/);
  });
});
