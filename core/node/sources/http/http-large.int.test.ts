import { describe, expect, it } from 'vitest';
import { httpSourceSpecSchema } from '../../../common/spec/http-source.ts';
import { JsonNumber } from '../../../common/types.ts';
import { openSource } from '../open-source.ts';
import { startApi } from './test-api-server.ts';

/** Size of the single-array response (the 1 GB by default; LOADSTONE_HTTP_BIG_MB to change). */
const MB = Number(process.env.LOADSTONE_HTTP_BIG_MB ?? 1024);
const BYTES = MB * 1024 * 1024;

/** One record of about 200 bytes, numbered; its id has 20 digits to check exactness at the end too. */
function record(i: number): string {
  const id = `9${String(i).padStart(19, '0')}`;
  return `{"id":${id},"n":${i},"price":${i % 1000}.10,"name":"customer ${i} with a longer name to pad the record out","note":"${'x'.repeat(60)}"}`;
}

describe('HTTP source: one large array response', () => {
  it(`streams a ${MB} MB single-array body with bounded memory (RSS growth well below the body size)`, async () => {
    let sent = 0;
    let records = 0;
    const api = await startApi((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[');
      let i = 0;
      const pump = (): void => {
        for (;;) {
          if (sent >= BYTES) {
            res.end(']');
            records = i;
            return;
          }
          let chunk = '';
          for (let k = 0; k < 500; k++) {
            chunk += `${i === 0 ? '' : ','}${record(++i)}`;
          }
          sent += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
      };
      pump();
    }, 2);
    try {
      const spec = httpSourceSpecSchema.parse({ kind: 'http', url: `${api.url}/all` });
      global.gc?.();
      const before = process.memoryUsage().rss;
      let peak = before;
      const source = await openSource(spec, {});
      let read = 0;
      let last: unknown;
      for await (const batch of source.rows()) {
        read += batch.length;
        last = batch[batch.length - 1]!.values[0];
        if ((read & 0x3fff) < batch.length) peak = Math.max(peak, process.memoryUsage().rss);
      }
      await source.close();
      peak = Math.max(peak, process.memoryUsage().rss);
      expect(read).toBe(records);
      expect(last).toBeInstanceOf(JsonNumber);
      expect((last as JsonNumber).text).toBe(`9${String(records).padStart(19, '0')}`);
      const growth = peak - before;
      // The body never sits in memory: growth stays bounded (130–160 MB here at 100 MB, 300 MB and
      // 1 GB alike: V8's heap, the 10,000-record column sample, a 4 MB body read-ahead).
      // 384 MB, well below the 1 GB body (held whole it would take at least that much): alone it
      // grew ~120 MB on 2026-12-05, but 238–254 MB on 2026-12-06 on this machine for the same commit
      // (a023ab7) and the current one alike, and 264 MB in the full suite, where V8 collects later.
      expect(growth).toBeLessThan(384 * 1024 * 1024);
      console.log(`${MB} MB, ${records} records, RSS growth ${(growth / 1024 / 1024).toFixed(0)} MB`);
    } finally {
      await api.close();
    }
  }, 900_000);
});
