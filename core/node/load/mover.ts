import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { RawValue, RejectedRow } from '../../common/types.ts';
import { quoteIdent } from '../pg/identifiers.ts';
import { isPgError, isRowDataError, type PgError, serverMessage } from './db-errors.ts';
import { appendSql, type MoveShape, stageCol, upsertDedupeSql, upsertSql } from './statements.ts';
import { findSuspects } from './suspects.ts';

/** What one statement did. */
interface Outcome {
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly skipped: number;
  readonly superseded: number;
  readonly watermark: string | null;
}

/** Below this many rows a refused range is simply bisected. */
const SUSPECT_MIN_RANGE = 32;

/** Where the line and raw cells of a staged row come from (the chunk in memory, or the staging table). */
export type RowLookup = (ordinal: number) => Promise<{ line: number; raw: Record<string, RawValue> } | null>;

/**
 * Moves staged rows into the target with one set-based statement per range. When the server
 * refuses a range (a constraint, a value out of range…), the range is rolled back to its
 * savepoint. Rows the error points at (see `findSuspects`) are tried alone first; what remains
 * refused is split in two, recursively, until each offending row stands alone. Each offending row
 * becomes a rejected row and every other row still loads. Cost: a few statements per bad row
 * when the error names its constraint or column, about 2·log2(range) statements otherwise.
 */
export class Mover {
  inserted = 0;
  updated = 0;
  /** Upsert/incremental: rows identical to the table as the load found it. */
  unchanged = 0;
  /** Incremental: rows below the watermark, left alone. */
  skipped = 0;
  /** Upsert/incremental: rows a later row of the same key in this load replaced. */
  superseded = 0;
  /** Incremental: running maximum of the watermark among moved rows, as text. */
  watermark: string | null = null;

  private indexed = false;
  private serverVersion = 0;
  private readonly probes = new Map<number, string>();
  private readonly constraintColumns = new Map<string, string[]>();
  private readonly sqlAppend: string;
  private readonly sqlUpsert: string;
  private readonly sqlDedupe: string;
  private sqlLate: { upsert: string; dedupe: string } | null = null;
  /**
   * Set by the caller for the chunk being moved: ordinals of rows whose key an earlier chunk of
   * this load applied (see `upsertSql`), and whether to note which ordinals were skipped and rejected.
   */
  private late: readonly number[] = [];
  private tracking = false;
  /** Ordinals of the current chunk refused so far (a bisection's first half applied the rest). */
  private readonly refused = new Set<number>();
  /** Ordinals of the current chunk rejected or (incremental) skipped, when tracking. */
  readonly notApplied = new Set<number>();

  constructor(
    private readonly client: pg.Client,
    private readonly shape: MoveShape,
    private readonly kind: 'append' | 'upsert',
    /** Incremental: rows below this are skipped. */
    private readonly after: string | number | null,
    /** Receives each isolated row; may throw to stop the load (error threshold). */
    private readonly reject: (row: RejectedRow) => void,
  ) {
    this.sqlAppend = appendSql(shape);
    this.sqlUpsert = kind === 'upsert' ? upsertSql(shape) : '';
    this.sqlDedupe = kind === 'upsert' ? upsertDedupeSql(shape) : '';
  }

  /** Rows loaded so far: inserted, updated, unchanged, skipped below the watermark and superseded. */
  get moved(): number {
    return this.inserted + this.updated + this.unchanged + this.skipped + this.superseded;
  }

  /**
   * Prepares the next chunk's moves: `late` are its ordinals whose key an earlier chunk applied;
   * with `track`, `notApplied` collects the ordinals rejected or skipped (so the caller knows which
   * keys the chunk applied).
   */
  forChunk(late: readonly number[], track: boolean): void {
    this.late = late;
    this.tracking = track;
    this.notApplied.clear();
    this.refused.clear();
    if (late.length > 0) this.prepareLate();
  }

  private prepareLate(): void {
    if (this.sqlLate !== null) return;
    const variant = { late: true, skippedOrdinals: true };
    this.sqlLate = { upsert: upsertSql(this.shape, variant), dedupe: upsertDedupeSql(this.shape, variant) };
  }

  /** Tells the mover the staging table already has an index on `_ord`. */
  markIndexed(): void {
    this.indexed = true;
  }

  /**
   * Moves staged ordinals lo..hi; `dedupe` when a key may repeat in the range. `known` is a
   * refusal already seen for this range (a direct COPY of the same rows), which skips straight
   * to isolating.
   */
  async move(lo: number, hi: number, lookup: RowLookup, dedupe: boolean, known?: PgError): Promise<void> {
    let failure: unknown = known ?? null;
    if (!known) {
      await this.client.query('SAVEPOINT loadstone_move');
      try {
        this.add(await this.run(lo, hi, dedupe));
        await this.client.query('RELEASE SAVEPOINT loadstone_move');
        return;
      } catch (error) {
        failure = error;
      }
      await this.client.query('ROLLBACK TO SAVEPOINT loadstone_move; RELEASE SAVEPOINT loadstone_move');
    }
    if (!isPgError(failure)) throw failure;
    // Keys equal only under the target's type (citext, numeric scale…): apply in file order instead.
    if (failure.code === '21000' && this.kind === 'upsert' && !dedupe) return this.move(lo, hi, lookup, true);
    if (!isRowDataError(failure)) throw failure;
    if (lo === hi) return this.rejectOne(lo, failure, lookup);
    if (hi - lo >= SUSPECT_MIN_RANGE && (await this.rejectSuspects(lo, hi, failure, lookup, dedupe))) {
      return this.move(lo, hi, lookup, dedupe);
    }
    await this.ensureIndex();
    const mid = Math.floor((lo + hi) / 2);
    await this.move(lo, mid, lookup, dedupe);
    if (!dedupe || this.kind !== 'upsert') return this.move(mid + 1, hi, lookup, dedupe);
    // A key the first half applied supersedes there, as a key an earlier chunk applied does: counted
    // once, by the half that first held it (without this, both halves counted it).
    const carried = await this.appliedKeysAhead(lo, mid, hi);
    if (carried.length === 0) return this.move(mid + 1, hi, lookup, dedupe);
    const outer = this.late;
    this.late = [...outer, ...carried];
    this.prepareLate();
    try {
      await this.move(mid + 1, hi, lookup, dedupe);
    } finally {
      this.late = outer;
    }
  }

  /**
   * Ordinals in mid+1..hi whose key a row of lo..mid applied (neither refused nor below the
   * watermark). Keys compare by their staged text, as the chunks' own key hashes do.
   */
  private async appliedKeysAhead(lo: number, mid: number, hi: number): Promise<number[]> {
    const { shape } = this;
    const sameKey = shape.key.map((i) => `a.${stageCol(i)} = b.${stageCol(i)}`).join(' AND ');
    const refused = [...this.refused].filter((o) => o >= lo && o <= mid);
    const params: unknown[] = [lo, mid, hi, refused];
    let applied = 'NOT (a._ord = ANY($4::bigint[]))';
    if (shape.watermark !== null && this.after !== null) {
      // CASE: a refused row's watermark text is never cast.
      const t = shape.columns[shape.watermark]!.castType;
      applied = `CASE WHEN a._ord = ANY($4::bigint[]) THEN false ELSE a.${stageCol(shape.watermark)}::${t} >= $5::${t} END`;
      params.push(this.after);
    }
    const r = await this.client.query<{ ords: (string | number)[] | null }>(
      `SELECT array_agg(b._ord) AS ords FROM ${shape.stage} b WHERE b._ord BETWEEN $2 + 1 AND $3
         AND EXISTS (SELECT 1 FROM ${shape.stage} a WHERE a._ord BETWEEN $1 AND $2 AND ${sameKey} AND ${applied})`,
      params,
    );
    return (r.rows[0]?.ords ?? []).map(Number);
  }

  private async ensureIndex(): Promise<void> {
    if (this.indexed) return;
    // Sub-ranges read a slice of the staging table; an index keeps that proportional to the slice.
    await this.client.query(`CREATE INDEX ON ${this.shape.stage} (_ord)`);
    this.indexed = true;
  }

  /**
   * Tries each suspect of a refused range alone (and undoes it): those the server refuses alone
   * are rejected and removed from the staging table. True when at least one was, so the range is
   * worth retrying in one statement.
   */
  private async rejectSuspects(lo: number, hi: number, failure: PgError, lookup: RowLookup, dedupe: boolean) {
    if (this.serverVersion === 0) {
      const r = await this.client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
      this.serverVersion = Number(r.rows[0]?.v ?? 0);
    }
    let suspects: number[] | null = null;
    await this.client.query('SAVEPOINT loadstone_suspects');
    try {
      suspects = await findSuspects(this.client, this.shape, failure, lo, hi, this.serverVersion);
      await this.client.query('RELEASE SAVEPOINT loadstone_suspects');
    } catch (error) {
      await this.client.query(
        'ROLLBACK TO SAVEPOINT loadstone_suspects; RELEASE SAVEPOINT loadstone_suspects',
      );
      if (!isPgError(error) || !(isRowDataError(error) || error.code?.startsWith('42'))) throw error;
    }
    if (!suspects || suspects.length === 0) return false;
    await this.ensureIndex();
    let rejected = 0;
    for (const ordinal of suspects) {
      await this.client.query('SAVEPOINT loadstone_alone');
      let refusal: unknown = null;
      try {
        await this.run(ordinal, ordinal, dedupe);
      } catch (error) {
        refusal = error;
      }
      // Undone either way: a row that passes alone keeps its place among the others.
      await this.client.query('ROLLBACK TO SAVEPOINT loadstone_alone; RELEASE SAVEPOINT loadstone_alone');
      if (refusal === null) continue;
      if (!isPgError(refusal) || !isRowDataError(refusal)) throw refusal;
      await this.rejectOne(ordinal, refusal, lookup);
      await this.client.query(`DELETE FROM ${this.shape.stage} WHERE _ord = $1`, [ordinal]);
      rejected++;
    }
    return rejected > 0;
  }

  private add(o: Outcome): void {
    this.inserted += o.inserted;
    this.updated += o.updated;
    this.unchanged += o.unchanged;
    this.skipped += o.skipped;
    this.superseded += o.superseded;
    if (o.watermark !== null) this.watermark = o.watermark;
  }

  private async run(lo: number, hi: number, dedupe: boolean): Promise<Outcome> {
    if (this.kind === 'append') {
      const r = await this.client.query(this.sqlAppend, [lo, hi]);
      return {
        inserted: r.rowCount ?? 0,
        updated: 0,
        unchanged: 0,
        skipped: 0,
        superseded: 0,
        watermark: null,
      };
    }
    const incremental = this.shape.watermark !== null;
    const params: unknown[] = incremental ? [lo, hi, this.after, this.watermark] : [lo, hi];
    const late = this.late.length > 0 && this.sqlLate !== null;
    if (late) params.push(this.late);
    // Skipped ordinals are asked for only when the caller tracks keys and rows can be skipped.
    const sql = late
      ? dedupe
        ? this.sqlLate!.dedupe
        : this.sqlLate!.upsert
      : this.tracking && incremental && this.after !== null
        ? this.trackingSql(dedupe)
        : dedupe
          ? this.sqlDedupe
          : this.sqlUpsert;
    const r = await this.client.query<{
      n: number;
      inserted: number;
      updated: number;
      superseded?: number;
      late?: number;
      late_updated?: number;
      n_all?: number;
      skipped_ords?: (string | number)[] | null;
      wm?: string | null;
    }>(sql, params);
    const row = r.rows[0]!;
    if (this.tracking) for (const o of row.skipped_ords ?? []) this.notApplied.add(Number(o));
    // A row whose key an earlier chunk applied supersedes that chunk's row: the key was counted there.
    const lateRows = row.late ?? 0;
    const lateUpdated = row.late_updated ?? 0;
    const superseded = (row.superseded ?? 0) + lateRows;
    const updated = row.updated - lateUpdated;
    return {
      inserted: row.inserted,
      updated,
      unchanged: row.n - row.inserted - updated - superseded,
      skipped: row.n_all === undefined ? 0 : row.n_all - row.n,
      superseded,
      watermark: incremental ? (row.wm ?? null) : null,
    };
  }

  private trackingSqlCache: { upsert: string; dedupe: string } | null = null;

  /** The statements that also return the ordinals skipped below the watermark. */
  private trackingSql(dedupe: boolean): string {
    this.trackingSqlCache ??= {
      upsert: upsertSql(this.shape, { late: false, skippedOrdinals: true }),
      dedupe: upsertDedupeSql(this.shape, { late: false, skippedOrdinals: true }),
    };
    return dedupe ? this.trackingSqlCache.dedupe : this.trackingSqlCache.upsert;
  }

  private async rejectOne(ordinal: number, error: PgError, lookup: RowLookup): Promise<void> {
    if (this.tracking) this.notApplied.add(ordinal);
    this.refused.add(ordinal);
    const row = await lookup(ordinal);
    if (!row) throw error; // cannot happen: a range without rows cannot fail
    const { column, value } = await this.locate(ordinal, error);
    this.reject({
      line: row.line,
      stage: 'load',
      raw: row.raw,
      errors: [
        {
          column,
          value,
          reason: 'database_rejected',
          message: serverMessage(error),
          ...(error.code ? { sqlstate: error.code } : {}),
        },
      ],
    });
  }

  /** Which column the server refused: named by the error, by its constraint, or found by probing each cell. */
  private async locate(
    ordinal: number,
    error: PgError,
  ): Promise<{ column: string | null; value: string | null }> {
    const columns = this.shape.columns;
    let index = error.column ? columns.findIndex((c) => c.name === error.column) : -1;
    if (index < 0 && error.constraint) {
      const cols = await this.columnsOfConstraint(error.constraint);
      if (cols.length === 1) index = columns.findIndex((c) => c.name === cols[0]);
    }
    if (index < 0 && (error.code ?? '').startsWith('22')) index = await this.probe(ordinal);
    if (index < 0) return { column: error.column ?? null, value: null };
    const r = await this.client.query<{ v: string | null }>(
      `SELECT s.${stageCol(index)} AS v FROM ${this.shape.stage} s WHERE s._ord = $1`,
      [ordinal],
    );
    return { column: columns[index]!.name, value: r.rows[0]?.v ?? null };
  }

  private async columnsOfConstraint(name: string): Promise<string[]> {
    const cached = this.constraintColumns.get(name);
    if (cached) return cached;
    const r = await this.client.query<{ cols: string[] | null }>(
      `SELECT coalesce(
         (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM pg_constraint c
            CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
           WHERE c.conrelid = to_regclass($1) AND c.conname = $2),
         (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM pg_index i
            JOIN pg_class ic ON ic.oid = i.indexrelid
            CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
           WHERE i.indrelid = to_regclass($1) AND ic.relname = $2 AND k.ord <= i.indnkeyatts)) AS cols`,
      [this.shape.target, name],
    );
    const cols = r.rows[0]?.cols ?? [];
    this.constraintColumns.set(name, cols);
    return cols;
  }

  /** Stores each cell of the row alone in a one-column table of the target's exact type; the first refusal names the column. */
  private async probe(ordinal: number): Promise<number> {
    const columns = this.shape.columns;
    for (let i = 0; i < columns.length; i++) {
      let table = this.probes.get(i);
      if (!table) {
        table = quoteIdent(`loadstone_probe_${randomBytes(4).toString('hex')}_${i}`);
        await this.client.query(`CREATE TEMP TABLE ${table} (v ${columns[i]!.fullType})`);
        this.probes.set(i, table);
      }
      try {
        await this.client.query(
          `SAVEPOINT loadstone_probe; INSERT INTO ${table} (v) SELECT s.${stageCol(i)}::${columns[i]!.castType} FROM ${this.shape.stage} s WHERE s._ord = ${Number(ordinal)}`,
        );
      } catch (error) {
        await this.client.query('ROLLBACK TO SAVEPOINT loadstone_probe; RELEASE SAVEPOINT loadstone_probe');
        if (isPgError(error) && isRowDataError(error)) return i;
        throw error;
      }
      await this.client.query('ROLLBACK TO SAVEPOINT loadstone_probe; RELEASE SAVEPOINT loadstone_probe');
    }
    return -1;
  }

  /** Drops the probe tables (the staging table is the caller's). */
  async dispose(): Promise<void> {
    for (const table of this.probes.values()) await this.client.query(`DROP TABLE IF EXISTS ${table}`);
    this.probes.clear();
  }
}
