import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../pg/test-server.ts';
import { wideCsv } from '../sources/hostile-fixtures.ts';
import { main } from './main.ts';

const dir = mkdtempSync(join(tmpdir(), 'loadstone-hostile-cli-'));
let url = '';

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  const code = await main(args, {
    stdout,
    stderr,
    cwd: dir,
    env: { LOADSTONE_HOME: join(dir, 'data') },
    signal: new AbortController().signal,
  });
  return { code, out, err };
}

const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.alloc(300, 3),
]);

beforeAll(async () => {
  url = await createTestDatabase(inject('pgUrl'), 'cli_hostile');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the CLI on files it cannot read', () => {
  it('refuses a binary file up front with exit 2: "not a text file" and what it reads (preview and load)', async () => {
    writeFileSync(join(dir, 'photo.csv'), png);
    const previewed = await cli(['preview', 'photo.csv']);
    expect(previewed.code).toBe(2);
    expect(previewed.out).toBe('');
    expect(previewed.err).toContain('photo.csv: not a text file (it is a PNG image)');
    expect(previewed.err).toContain('JSON, NDJSON and XLSX workbooks, each also gzipped');
    const loaded = await cli(['load', 'photo.csv', '--target', url, '--table', 'photo']);
    expect(loaded.code).toBe(2);
    expect(loaded.err).toContain('not a text file');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query("select to_regclass('public.photo') as t");
      expect(rows[0].t).toBeNull();
    } finally {
      await client.end();
    }
  });

  it('refuses more than 1,600 columns at preview and load with exit 2, before loading anything', async () => {
    writeFileSync(join(dir, 'wide.csv'), wideCsv(1601));
    const previewed = await cli(['preview', 'wide.csv']);
    expect(previewed.code).toBe(2);
    expect(previewed.err).toContain('1,601 columns to load, but a PostgreSQL table holds at most 1,600');
    const loaded = await cli(['load', 'wide.csv', '--target', url, '--table', 'wide']);
    expect(loaded.code).toBe(2);
    expect(loaded.err).toContain('1,601 columns to load');
  });

  it('takes --max-line-chars: a longer line is a line_too_long row, the others are read', async () => {
    writeFileSync(join(dir, 'long.csv'), `id,note\n1,short\n2,${'n'.repeat(150)}\n3,fine\n`);
    const r = await cli(['preview', 'long.csv', '--max-line-chars', '100', '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out);
    expect(
      result.rows.map((row: { line: number; problem?: { reason: string } }) => [
        row.line,
        row.problem?.reason ?? 'ok',
      ]),
    ).toEqual([
      [2, 'ok'],
      [3, 'line_too_long'],
      [4, 'ok'],
    ]);
    const bad = await cli(['preview', 'long.csv', '--max-line-chars', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--max-line-chars must be a whole number ≥ 1');
  });
});
