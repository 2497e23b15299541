import { describe, expect, it } from 'vitest';
import { inferColumns } from '../../common/normalize/infer.ts';
import { createRowNormalizer } from '../../common/normalize/normalizer.ts';
import { parseJobSpec } from '../../common/spec/job-spec.ts';
import type { LoadBatch } from '../load/types.ts';
import type { SourceRow } from '../sources/types.ts';
import { toLoadBatches } from './load-batches.ts';

const columns = ['id', 'when'];

async function collect(rows: SourceRow[][], skipRecords = 0): Promise<LoadBatch[]> {
  const spec = parseJobSpec({ source: { path: 'in.csv' } });
  const sample = rows.flat().map((r) => r.values);
  const normalizer = createRowNormalizer(inferColumns({ columns, sample: sample.slice(0, 2), spec }));
  async function* source() {
    yield* rows;
  }
  const out: LoadBatch[] = [];
  const counter = { bytesRead: () => 42, totalBytes: 100 };
  for await (const batch of toLoadBatches(source(), columns, normalizer, counter, skipRecords))
    out.push(batch);
  return out;
}

describe('toLoadBatches', () => {
  it('gives each good row its source record as raw, extra fields included, built when read', async () => {
    const [batch] = await collect([
      [
        { line: 2, values: ['1', '2024-01-02'] },
        { line: 3, values: ['2', '2024-01-03'], extra: ['surplus'] },
      ],
    ]);
    expect(batch!.rows.map((r) => r.line)).toEqual([2, 3]);
    expect(batch!.rows[0]!.raw).toEqual({ id: '1', when: '2024-01-02' });
    expect(batch!.rows[1]!.raw).toEqual({ id: '2', when: '2024-01-03', extra_1: 'surplus' });
    expect(batch!.rows[0]!.raw).not.toBe(batch!.rows[0]!.raw); // a fresh record per read: callers may keep it
    expect(batch!.rowsRead).toBe(2);
    expect(batch!.bytesRead).toBe(42);
    expect(batch!.totalBytes).toBe(100);
  });

  it('passes parse and normalize rejects on with their raw record and counts them as read', async () => {
    const [batch] = await collect([
      [
        { line: 2, values: ['1', '2024-01-02'] },
        { line: 3, values: ['2', '2024-01-03'] },
        { line: 4, values: ['x', '2024-01-04'] },
        {
          line: 5,
          values: ['4', null],
          problem: { reason: 'too_few_fields', message: 'expected 2 fields, found 1' },
        },
      ],
    ]);
    expect(batch!.rows.map((r) => r.line)).toEqual([2, 3]);
    expect(batch!.rowsRead).toBe(4);
    const [bad, short] = batch!.rejectedUpstream;
    expect(bad).toMatchObject({ line: 4, stage: 'normalize', raw: { id: 'x', when: '2024-01-04' } });
    expect(bad!.errors[0]).toMatchObject({ column: 'id', value: 'x' });
    expect(short).toMatchObject({
      line: 5,
      stage: 'parse',
      raw: { id: '4', when: null },
      errors: [{ column: null, value: null, reason: 'too_few_fields' }],
    });
  });

  it('numbers rows by their record in the file; a resume skips the committed records entirely', async () => {
    const rows: SourceRow[][] = [
      [
        { line: 2, values: ['1', '2024-01-02'] },
        { line: 3, values: ['2', null], problem: { reason: 'too_few_fields', message: 'one field' } },
      ],
      [
        { line: 5, values: ['3', '2024-01-05'] },
        { line: 6, values: ['4', null], problem: { reason: 'too_few_fields', message: 'one field' } },
        { line: 7, values: ['5', '2024-01-07'] },
      ],
    ];
    const all = await collect(rows);
    expect(all.flatMap((b) => b.rows.map((r) => [r.line, r.ordinal]))).toEqual([
      [2, 1],
      [5, 3],
      [7, 5],
    ]);
    // Three records committed (lines 2, 3, 5): neither loaded, rejected nor counted again.
    const resumed = await collect(rows, 3);
    expect(resumed.flatMap((b) => b.rows.map((r) => [r.line, r.ordinal]))).toEqual([[7, 5]]);
    expect(resumed.flatMap((b) => b.rejectedUpstream.map((r) => r.line))).toEqual([6]);
    expect(resumed.at(-1)!.rowsRead).toBe(2);
    // A whole batch inside the committed part yields nothing.
    expect(await collect(rows, 2)).toHaveLength(1);
  });

  it('passes a run of verbatim rows on as one, a resumed load skipping the rows committed before', async () => {
    const text = '1\t2024-01-01\n2\t2024-01-02\n3\t2024-01-03\n';
    const run = (): SourceRow => ({
      line: 1,
      values: [],
      text,
      textStart: 0,
      textEnd: text.length - 1,
      verbatim: true,
      rows: 3,
    });
    const [whole] = await collect([[run(), { line: 4, values: ['4', '2024-01-04'] }]]);
    expect(whole!.rows.map((r) => [r.line, r.ordinal, r.rows, r.verbatim])).toEqual([
      [1, 1, 3, true],
      [4, 4, 1, false],
    ]);
    expect(whole!.rowsRead).toBe(4);
    const [resumed] = await collect([[run(), { line: 4, values: ['4', '2024-01-04'] }]], 2);
    const first = resumed!.rows[0]!;
    expect([first.line, first.ordinal, first.rows]).toEqual([3, 3, 1]);
    expect(text.slice(first.textStart, first.textEnd)).toBe('3\t2024-01-03');
    expect(resumed!.rowsRead).toBe(2);
    expect(await collect([[run()]], 3)).toEqual([]);
  });
});
