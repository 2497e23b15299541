import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { outsideAsar } from './batch-worker.ts';

// A packaged app's engine bundle is inside app.asar; its worker module is unpacked (electron-builder.yml
// asarUnpack) and must be started from there.

describe('outsideAsar', () => {
  it('takes a worker module inside app.asar from app.asar.unpacked when it is there, else leaves the path', () => {
    const resources = mkdtempSync(join(tmpdir(), 'loadstone-resources-'));
    const inside = join(resources, 'app.asar', 'dist', 'electron', 'sqlite-read-worker.mjs');
    const unpacked = join(resources, 'app.asar.unpacked', 'dist', 'electron', 'sqlite-read-worker.mjs');
    expect(outsideAsar(inside)).toBe(inside);
    mkdirSync(join(resources, 'app.asar.unpacked', 'dist', 'electron'), { recursive: true });
    writeFileSync(unpacked, '');
    expect(outsideAsar(inside)).toBe(unpacked);
    const plain = join(resources, 'dist', 'electron', 'sqlite-read-worker.mjs');
    expect(outsideAsar(plain)).toBe(plain);
  });
});
