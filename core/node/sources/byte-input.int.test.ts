import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { openByteInput } from './byte-input.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loadstone-bytes-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Descriptors this process holds open on `file`. */
function openDescriptors(file: string): number {
  return fs.readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`) === file;
    } catch {
      return false;
    }
  }).length;
}

describe('openByteInput on gzip', () => {
  // 64 members of 4 MiB of blank lines: 256 MiB of content in about 1.2 MB on disk.
  const file = path.join(dir, 'blank.csv.gz');
  const member = gzipSync(Buffer.alloc(4 * 1024 * 1024, '\n'), { level: 1 });
  fs.writeFileSync(file, Buffer.concat([gzipSync('a,b\n'), ...Array.from({ length: 64 }, () => member)]));
  const size = fs.statSync(file).size;

  it('reads the file only as fast as its content is consumed (backpressure through the gunzip)', async () => {
    const input = await openByteInput(file);
    try {
      let content = 0;
      for await (const chunk of input.chunks()) {
        content += chunk.length;
        if (content >= 1024 * 1024) break;
      }
      // 1 MiB of content is a few KB of the file; what was read ahead is bounded by the streams'
      // buffers (two 256 KiB reads), never the whole file as when the file stream ran free.
      expect(input.bytesRead()).toBeLessThanOrEqual(512 * 1024);
      expect(input.bytesRead()).toBeLessThan(size / 2);
    } finally {
      await input.close();
    }
  });

  it('lets go of the file once a head read or a read has what it needs', async () => {
    const input = await openByteInput(file);
    try {
      await input.readHead(128 * 1024);
      for await (const _ of input.chunks()) break;
      // Closing a stream happens on the next turns of the event loop.
      for (let i = 0; i < 50 && openDescriptors(file) > 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(openDescriptors(file)).toBe(0);
    } finally {
      await input.close();
    }
  });
});
