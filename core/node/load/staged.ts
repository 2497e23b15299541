import { randomBytes } from 'node:crypto';
import { JsonNumber, type RawValue, type RejectedRow } from '../../common/types.ts';
import { quoteIdent } from '../pg/identifiers.ts';
import { CopyIn } from './copy-in.ts';
import { CopyRowWriter, escapeCopyText } from './copy-text.ts';
import type { FractionLimit } from './fraction-limit.ts';
import type { Mover, RowLookup } from './mover.ts';
import { missingWatermark, unloadable } from './row-checks.ts';
import type { LoadSession } from './session.ts';
import type { StageTable } from './stage-table.ts';
import { copyStageSql, type MoveShape, stageCol } from './statements.ts';
import type { LoadBatch, LoadColumn } from './types.ts';

/** Staging of the whole load first, for `duplicateKeys: 'reject'` (a key may repeat anywhere in the file). */
export interface StagedPlan {
  readonly shape: MoveShape;
  readonly columns: readonly LoadColumn[];
  readonly mover: Mover;
  readonly chunkRows: number;
  readonly commitEvery: number | null;
  /** Incremental: rows below are not candidates for duplicates (they are skipped anyway); rows at it are. */
  readonly after: string | number | null;
  /** Per column, what the target would round (refused instead). */
  readonly limits: readonly (FractionLimit | null)[];
  /** Per column, hex text going into a bytea column (see `CopyRowWriter`). */
  readonly hexBytes: readonly boolean[];
}

const PAGE = 5_000;

/**
 * Loads with every repeated key rejected: all rows go to the staging table first (with their line
 * and raw cells, since they leave memory), every row whose key appears more than once is rejected
 * as `duplicate_key`, then the rest moves chunk by chunk with bad-row isolation.
 */
export async function loadStaged(
  session: LoadSession,
  plan: StagedPlan,
  batches: AsyncIterable<LoadBatch>,
  stage: StageTable,
): Promise<void> {
  const client = session.client;
  const { shape, columns, mover } = plan;
  session.loaded = () => mover.moved;
  session.step = 'staging';
  await stage.ensure(shape, true);
  const writer = new CopyRowWriter(
    columns.map((c) => c.type),
    plan.limits,
    plan.hexBytes,
  );
  const wmIndex = shape.watermark;
  const copy = new CopyIn(client, copyStageSql(shape, true));
  let ordinal = 0;
  const iterator = batches[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      const next = await session.next(iterator);
      if (next.done) break;
      const batch = next.value;
      session.noteBatch(batch);
      const early: RejectedRow[] = [];
      for (const row of batch.rows) {
        if (wmIndex !== null && (row.values[wmIndex] === null || row.values[wmIndex] === undefined)) {
          early.push(missingWatermark(row, columns[wmIndex]!.name));
          continue;
        }
        const line = writer.write(row.values, ordinal);
        if (typeof line !== 'string') {
          early.push(unloadable(row, columns, line));
          continue;
        }
        ordinal++;
        const wait = copy.push(`${line.slice(0, -1)}\t${row.line}\t${escapeCopyText(encodeRaw(row.raw))}\n`);
        if (wait) await wait;
      }
      session.reject(early);
      session.checkCancelled();
      session.progress();
    }
    finished = true;
  } catch (error) {
    await copy.abort();
    throw error;
  } finally {
    if (!finished) void Promise.resolve(iterator.return?.()).catch(() => {});
  }
  await copy.finish();

  session.setPhase('merging');
  session.step = 'merging';
  await client.query(`CREATE INDEX ON ${shape.stage} (_ord); ANALYZE ${shape.stage}`);
  mover.markIndexed();
  await rejectDuplicates(session, plan);

  const lookup: RowLookup = async (ord) => {
    const r = await client.query<{ line: string; raw: string }>(
      `SELECT _line AS line, _raw AS raw FROM ${shape.stage} WHERE _ord = $1`,
      [ord],
    );
    const row = r.rows[0];
    return row ? { line: Number(row.line), raw: decodeRaw(row.raw) } : null;
  };
  const step = plan.commitEvery === null ? plan.chunkRows : Math.min(plan.chunkRows, plan.commitEvery);
  let sinceCommit = 0;
  for (let lo = 0; lo < ordinal; lo += step) {
    const hi = Math.min(lo + step, ordinal) - 1;
    session.step = 'merging';
    await mover.move(lo, hi, lookup, false);
    sinceCommit += hi - lo + 1;
    session.progress();
    session.checkCancelled();
    if (plan.commitEvery !== null && sinceCommit >= plan.commitEvery && hi < ordinal - 1) {
      await session.commitAndContinue();
      sinceCommit = 0;
    }
  }
}

async function rejectDuplicates(session: LoadSession, plan: StagedPlan): Promise<void> {
  const client = session.client;
  const { shape, columns } = plan;
  const key = shape.key;
  const dups = quoteIdent(`loadstone_dups_${randomBytes(4).toString('hex')}`);
  // Keys compare under the spec types: normalized values always fit them (a narrower target type could refuse a cast).
  const keyCasts = key.map((i) => `s.${stageCol(i)}::${columns[i]!.type}`);
  const where = [...key.map((i) => `s.${stageCol(i)} IS NOT NULL`)];
  const params: unknown[] = [];
  if (shape.watermark !== null && plan.after !== null) {
    const t = columns[shape.watermark]!.type;
    where.push(`s.${stageCol(shape.watermark)}::${t} >= $1::${t}`);
    params.push(plan.after);
  }
  await client.query(`CREATE TEMP TABLE ${dups} (_ord bigint, n bigint, lines bigint[])`);
  await client.query(
    `INSERT INTO ${dups} (_ord, n, lines)
     WITH g AS (SELECT ${keyCasts.map((c, i) => `${c} AS k${i}`).join(', ')}, count(*) AS n,
                       (array_agg(s._line ORDER BY s._ord))[1:6] AS lines
                  FROM ${shape.stage} s WHERE ${where.join(' AND ')}
                 GROUP BY ${keyCasts.map((_, i) => i + 1).join(', ')} HAVING count(*) > 1)
     SELECT s._ord, g.n, g.lines FROM ${shape.stage} s
       JOIN g ON ${keyCasts.map((c, i) => `${c} = g.k${i}`).join(' AND ')}
      WHERE ${where.join(' AND ')}`,
    params,
  );
  const names = key.map((i) => columns[i]!.name);
  let after = -1;
  for (;;) {
    const page = await client.query<{
      ord: string;
      n: string;
      lines: string[];
      line: string;
      raw: string;
      [k: string]: unknown;
    }>(
      `SELECT d._ord AS ord, d.n, d.lines, s._line AS line, s._raw AS raw, ${key.map((i, j) => `s.${stageCol(i)} AS k${j}`).join(', ')}
         FROM ${dups} d JOIN ${shape.stage} s ON s._ord = d._ord WHERE d._ord > $1 ORDER BY d._ord LIMIT ${PAGE}`,
      [after],
    );
    if (page.rows.length === 0) break;
    const rejects = page.rows.map((r): RejectedRow => {
      const values = key.map((_, j) => String(r[`k${j}`]));
      const n = Number(r.n);
      const lines = r.lines.slice(0, 5).join(', ') + (n > 5 ? ', …' : '');
      return {
        line: Number(r.line),
        stage: 'load',
        raw: decodeRaw(r.raw),
        errors: [
          {
            column: names.length === 1 ? names[0]! : null,
            value: values.length === 1 ? values[0]! : null,
            reason: 'duplicate_key',
            message: `key (${names.join(', ')})=(${values.join(', ')}) appears ${n} times in this load (lines ${lines}); with duplicateKeys 'reject' every one of them is rejected`,
          },
        ],
      };
    });
    after = Number(page.rows[page.rows.length - 1]!.ord);
    session.reject(rejects);
  }
  await client.query(
    `DELETE FROM ${shape.stage} s USING ${dups} d WHERE s._ord = d._ord; DROP TABLE ${dups}`,
  );
}

/** Raw cells as JSON that keeps `JsonNumber`s exact: [name, tag, value, …] (tag 1: a JsonNumber's text). */
export function encodeRaw(raw: Record<string, RawValue>): string {
  const out: unknown[] = [];
  for (const name of Object.keys(raw)) {
    const v = raw[name];
    if (v instanceof JsonNumber) out.push(name, 1, v.text);
    else out.push(name, 0, v === undefined ? null : v);
  }
  return JSON.stringify(out);
}

/** The inverse of `encodeRaw`. */
export function decodeRaw(text: string): Record<string, RawValue> {
  const items = JSON.parse(text) as unknown[];
  const raw: Record<string, RawValue> = {};
  for (let i = 0; i + 2 < items.length; i += 3) {
    const name = items[i] as string;
    raw[name] = items[i + 1] === 1 ? new JsonNumber(items[i + 2] as string) : (items[i + 2] as RawValue);
  }
  return raw;
}
