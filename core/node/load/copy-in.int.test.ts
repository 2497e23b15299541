import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../pg/test-server.ts';
import { CopyIn } from './copy-in.ts';
import { openClient } from './test-support.ts';

let client: pg.Client;

beforeAll(async () => {
  client = await openClient(await createTestDatabase(inject('pgUrl'), 'load_copy_in'));
});
afterAll(async () => {
  await client?.end();
});

/** `count` pieces of `lines` lines each: `n\tx…x`, numbered from 1. */
function pieces(count: number, lines: number): Buffer[] {
  const out: Buffer[] = [];
  const pad = 'x'.repeat(200);
  for (let p = 0; p < count; p++) {
    let text = '';
    for (let l = 1; l <= lines; l++) text += `${p * lines + l}\t${pad}\n`;
    out.push(Buffer.from(text));
  }
  return out;
}

describe('CopyIn', () => {
  it('writes a run of pieces into a full socket with one wait, without a listener leak warning', async () => {
    await client.query('CREATE TABLE copy_in_run (id integer, pad text)');
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const copy = new CopyIn(client, 'COPY copy_in_run (id, pad) FROM STDIN');
      // 60 pieces of ~64 KB written at once, as a run of verbatim pieces is: the socket fills after
      // the first few, and every later write finds it full.
      const waits = pieces(60, 300).map((piece) => copy.write(piece));
      const pending = waits.filter((w) => w !== undefined);
      expect(pending.length).toBeGreaterThan(10);
      expect(new Set(pending).size).toBeLessThan(pending.length);
      await Promise.all(pending);
      expect(await copy.finish()).toBe(18_000);
      // Node reports a listener leak on the next tick at the latest.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
    const { rows } = await client.query('SELECT count(*)::int AS n, max(id) AS top FROM copy_in_run');
    expect(rows[0]).toEqual({ n: 18_000, top: 18_000 });
  });

  it('wakes every write waiting on a full socket when the server refuses the data', async () => {
    await client.query('CREATE TABLE copy_in_refused (id integer)');
    const copy = new CopyIn(client, 'COPY copy_in_refused (id) FROM STDIN');
    // Not integers: the server refuses the first line, while later pieces wait for room.
    const bad = Array.from({ length: 40 }, () => Buffer.from('not a number\n'.repeat(6000)));
    const waits = bad.map((piece) => copy.write(piece)).filter((w) => w !== undefined);
    await Promise.all(waits);
    await expect(copy.finish()).rejects.toThrow(/invalid input syntax for type integer/);
    expect(copy.failed?.message).toMatch(/integer/);
  });
});
