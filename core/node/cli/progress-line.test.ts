import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { LoadProgressDto } from '../../common/contract/shared-schemas.ts';
import { createProgressLine } from './progress-line.ts';

const base: LoadProgressDto = {
  runId: 'r',
  phase: 'loading',
  bytesRead: null,
  totalBytes: null,
  rowsRead: 250_000,
  loaded: 240_000,
  rejected: 3,
  rowsPerSecond: 125_000,
  estimatedRows: null,
  etaSeconds: null,
};

function shown(p: LoadProgressDto): string {
  const out = Object.assign(new PassThrough(), { columns: 200 });
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  createProgressLine(out).update(p);
  return Buffer.concat(chunks).toString('utf8').replace(/^\r/, '').trimEnd();
}

describe('the CLI progress line', () => {
  it('a file: a bar from its bytes, and the time left', () => {
    expect(shown({ ...base, bytesRead: 50, totalBytes: 100, etaSeconds: 2 })).toBe(
      '[############------------] 50% 250,000 rows · 125,000 rows/s · 240,000 loaded · 3 rejected · ETA 2 s · loading',
    );
  });

  it("a database table read whole: the rows against the source's estimate", () => {
    expect(shown({ ...base, estimatedRows: 1_000_000, etaSeconds: 6 })).toBe(
      '[######------------------] 25% 250,000 of ~1,000,000 rows · 125,000 rows/s · 240,000 loaded · 3 rejected · ETA 6 s · loading',
    );
  });

  it('nothing to go by: rows and rate only', () => {
    expect(shown(base)).toBe('250,000 rows · 125,000 rows/s · 240,000 loaded · 3 rejected · loading');
  });

  it("an API's sample before the run begins: pages and records read, then the run's own line", () => {
    const out = Object.assign(new PassThrough(), { columns: 200 });
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const line = createProgressLine(out);
    const last = () => Buffer.concat(chunks).toString('utf8').split('\r').at(-1)!.trimEnd();
    line.reading({ pages: 1, records: 1 });
    expect(last()).toBe("Reading the API's sample: 1 page, 1 record…");
    line.reading({ pages: 3, records: 3000 });
    expect(last()).toBe("Reading the API's sample: 3 pages, 3,000 records…");
    line.update(base);
    // A page read after the run began (its sample's last) does not overwrite the run's line.
    line.reading({ pages: 4, records: 4000 });
    expect(last()).toBe('250,000 rows · 125,000 rows/s · 240,000 loaded · 3 rejected · loading');
    line.done();
    expect(Buffer.concat(chunks).toString('utf8').endsWith('\n')).toBe(true);
  });
});
