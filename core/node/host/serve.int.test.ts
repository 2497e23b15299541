import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// `npm run serve` as a process: the printed URL, a call with its token, a clean stop on SIGTERM.

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'loadstone-'));
const main = fileURLToPath(new URL('./main.ts', import.meta.url));
// `--import tsx` resolves from the working folder: run from the repository.
const repo = fileURLToPath(new URL('../../../', import.meta.url));

afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

describe('serve command', () => {
  it('prints the URL with the token, answers calls with it, and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', main, '--data-dir', path.join(root, 'data')], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
        const m = /Loadstone is running at (http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]{43})\n/.exec(
          stdout,
        );
        if (m) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
    });
    const { origin, hash } = new URL(url);
    const token = new URLSearchParams(hash.slice(1)).get('token')!;
    const res = await fetch(`${origin}/api/call/app.info`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(await res.json()).toMatchObject({
      ok: true,
      value: { transport: 'http', dataDir: path.join(root, 'data') },
    });

    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).not.toContain(token);
  });

  it('rejects a bad option with the usage exit code', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', main, '--port', 'abc'], {
      cwd: repo,
      stdio: 'pipe',
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(2);
    expect(stderr).toContain('--port must be a whole number');
  });
});
