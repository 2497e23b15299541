/**
 * One benchmark measurement, run in its own process so peak RSS is its own:
 * `node --import tsx bench/normalize-pass.ts <file> full|preview`
 * prints one JSON line with the figures.
 */
import { createRowNormalizer } from '../core/common/normalize/normalizer.ts';
import { parseJobSpec } from '../core/common/spec/job-spec.ts';
import { planJob } from '../core/node/pipeline/plan-job.ts';
import { preview } from '../core/node/preview/preview.ts';

const [file, mode] = process.argv.slice(2);
if (!file || (mode !== 'full' && mode !== 'preview')) {
  console.error('usage: normalize-pass.ts <file> full|preview');
  process.exit(2);
}

if (mode === 'preview') {
  const started = performance.now();
  const result = await preview({ source: { path: file } }, { limit: 200 });
  const ms = performance.now() - started;
  console.log(
    JSON.stringify({ ms, rows: result.rows.length, peakRssMb: process.resourceUsage().maxRSS / 1024 }),
  );
} else {
  const started = performance.now();
  const job = await planJob(parseJobSpec({ source: { path: file } }));
  const normalizer = createRowNormalizer(job.plans);
  let rows = 0;
  let rejected = 0;
  let problems = 0;
  for await (const batch of job.rows()) {
    for (const row of batch) {
      rows++;
      if (row.problem) {
        problems++;
        continue;
      }
      if (normalizer.normalize(row.values).errors) rejected++;
    }
  }
  await job.source.close();
  const ms = performance.now() - started;
  console.log(
    JSON.stringify({
      ms,
      rows,
      rejected,
      problems,
      rowsPerSecond: Math.round((rows / ms) * 1000),
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      types: job.plans.map((p) => `${p.name}:${p.type}`).join(' '),
    }),
  );
}
