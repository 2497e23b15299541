import type { Statement } from 'better-sqlite3';
import type { RecordPlace, RejectStage } from '../../common/types.ts';
import { runSeqOf, type StoreContext } from './context.ts';
import { parseRaw } from './raw-json.ts';
import type { ReportFilter, ReportSummaryItem, StoredRejectedRow } from './types.ts';

/** Reading a run's rejected rows: pages, counts, the reason × column summary. */
export interface ReportsRepo {
  /** One page of rejected rows in record order, with the total matching and the run's source columns. */
  page(
    runId: string,
    query?: ReportFilter & { offset?: number; limit?: number },
  ): {
    total: number;
    rows: StoredRejectedRow[];
    sourceColumns: string[];
    /**
     * The target column each source column became (aligned with `sourceColumns`; null: skipped),
     * as errors name them; null for runs recorded before the decided columns were kept.
     */
    columnNames: Array<string | null> | null;
  };
  /**
   * Errors grouped by reason × column, most frequent first, each with its first example value. With
   * a filter, only the errors it selects (its stage, column, reason) of the rows it selects (its text).
   */
  summary(runId: string, filter?: ReportFilter): ReportSummaryItem[];
  /** Rejected rows matching the filter (a row with several matching errors counts once). */
  count(runId: string, filter?: ReportFilter): number;
}

/** A rejected_rows row as stored. */
export interface RejectedRowRecord {
  id: number;
  line: number;
  stage: RejectStage;
  raw: string;
  raw_exact: number;
  raw_text: string | null;
  errors: string;
  /** JSON of a `RecordPlace`, or null (a file line). */
  place: string | null;
}

let cursorCount = 0;
const ROW_COLUMNS = 'r.id, r.line, r.stage, r.raw, r.raw_exact, r.raw_text, r.errors, r.place';

/** `text` as a LIKE pattern that matches it anywhere, its `\`, `%` and `_` literal (ESCAPE '\'). */
export function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * A raw value as the report shows it, for the text filter: a string as it is, a number in its
 * source text (`->` keeps `12.50` and 20-digit ids as written), true/false, nested JSON as compact
 * JSON; a null is no text.
 */
const RAW_VALUE_TEXT = `CASE j.type WHEN 'text' THEN j.value WHEN 'null' THEN NULL WHEN 'true' THEN 'true'
  WHEN 'false' THEN 'false' WHEN 'array' THEN j.value WHEN 'object' THEN j.value ELSE r.raw -> j.fullkey END`;

/** Whether `text` has a letter beyond ASCII with another case (LIKE folds ASCII letters only). */
function foldsBeyondAscii(text: string): boolean {
  for (const c of text) {
    if (c.codePointAt(0)! > 0x7f && c.toLowerCase() !== c.toUpperCase()) return true;
  }
  return false;
}

/** `likeContains`, with each character beyond ASCII matching any one character (`_`). */
function likeContainsAsciiOnly(text: string): string {
  let pattern = '%';
  for (const c of text) pattern += c.codePointAt(0)! > 0x7f ? '_' : c.replace(/[\\%_]/, (x) => `\\${x}`);
  return `${pattern}%`;
}

/** The SQL function the text filter calls when LIKE cannot fold the text's case (see textCondition). */
const CONTAINS_FOLDED = 'loadstone_contains_folded';
const withContainsFolded = new WeakSet<StoreContext['db']>();

/**
 * Registers CONTAINS_FOLDED(haystack, lower-cased needle) on the store's connection, once:
 * whether the haystack holds the needle in any case (JavaScript's toLowerCase, every script).
 */
function registerContainsFolded(db: StoreContext['db']): void {
  if (withContainsFolded.has(db)) return;
  db.function(CONTAINS_FOLDED, { deterministic: true }, (haystack: unknown, needle: unknown) =>
    haystack === null || haystack === undefined
      ? 0
      : String(haystack).toLowerCase().includes(String(needle))
        ? 1
        : 0,
  );
  withContainsFolded.add(db);
}

/**
 * The text filter on rejected_rows (alias r): the source text of a record that could not be split,
 * a raw value, or an error's message contains the text. The raw and errors JSON are first matched
 * whole against the text as JSON writes it (one LIKE, no parsing): only rows that pass are opened
 * with json_each, so that a column name or the JSON's punctuation never counts as a match.
 * LIKE ignores the case of ASCII letters only: a text with other cased letters ('MÜLLER') is
 * matched by LIKE with those letters as any one character, and the rows that pass are checked by
 * CONTAINS_FOLDED, so that 'müller' finds 'Müller' and never 'Muller'.
 * No index helps a substring: it scans the run's rows (or those the other filters selected).
 */
function textCondition(text: string): { sql: string; params: string[] } {
  const folded = foldsBeyondAscii(text);
  const like = folded ? likeContainsAsciiOnly : likeContains;
  const plain = like(text);
  const json = like(JSON.stringify(text).slice(1, -1));
  const lower = text.toLowerCase();
  // `expr` contains the text: LIKE alone, or LIKE as a sieve and the folded comparison.
  const contains = (expr: string): { sql: string; params: string[] } =>
    folded
      ? { sql: `(${expr} LIKE ? ESCAPE '\\' AND ${CONTAINS_FOLDED}(${expr}, ?))`, params: [plain, lower] }
      : { sql: `${expr} LIKE ? ESCAPE '\\'`, params: [plain] };
  const rawText = contains('r.raw_text');
  const value = contains(`(${RAW_VALUE_TEXT})`);
  const message = contains(`(e.value ->> '$.message')`);
  return {
    sql: `(${rawText.sql}
      OR (r.raw LIKE ? ESCAPE '\\' AND EXISTS (SELECT 1 FROM json_each(r.raw) j WHERE ${value.sql}))
      OR (r.errors LIKE ? ESCAPE '\\' AND EXISTS (SELECT 1 FROM json_each(r.errors) e WHERE ${message.sql})))`,
    params: [...rawText.params, json, ...value.params, json, ...message.params],
  };
}

/**
 * Builds the statements that select rows for a filter. Filters on column/reason go through the
 * reject_errors indexes (run_seq, reason, column_name, row_id) / (run_seq, column_name, row_id);
 * a stage-only filter uses rejected_rows (run_seq, stage); the text filter is checked on the
 * rejected_rows those select. Rows always come in id (record) order.
 */
export class RowSelector {
  readonly #ctx: StoreContext;
  readonly #cache = new Map<string, Statement>();

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
    registerContainsFolded(ctx.db);
  }

  /**
   * A cursor over every matching row, in id order, `batchSize` rows per `next()`. Each `next()` is
   * one short statement, so nothing stays open between batches (exports await in between).
   * Column/reason filters first collect the matching row ids into a TEMP table (SQLite's memory or
   * temp file, not the JS heap): paging the reject_errors index by row_id would re-sort every batch.
   */
  cursor(
    seq: number,
    filter: ReportFilter,
    batchSize: number,
  ): { next(): RejectedRowRecord[]; close(): void } {
    const { sql, params, text } = this.#where(seq, filter);
    let afterId = 0;
    const advance = (rows: RejectedRowRecord[]) => {
      if (rows.length > 0) afterId = rows[rows.length - 1]!.id;
      return rows;
    };
    if (sql.startsWith('R:')) {
      const stmt = this.#stmt(
        `after:${sql}`,
        () =>
          `SELECT ${ROW_COLUMNS} FROM rejected_rows r WHERE ${sql.slice(2)} AND r.id > ? ORDER BY r.id LIMIT ?`,
      );
      return {
        next: () => advance(stmt.all(...params, afterId, batchSize) as RejectedRowRecord[]),
        close() {},
      };
    }
    const db = this.#ctx.db;
    const table = `temp.report_ids_${++cursorCount}`;
    db.exec(`CREATE TABLE ${table} (row_id INTEGER PRIMARY KEY)`);
    let open = true;
    try {
      db.prepare(`INSERT OR IGNORE INTO ${table} SELECT row_id FROM reject_errors WHERE ${sql.slice(2)}`).run(
        ...params,
      );
    } catch (error) {
      db.exec(`DROP TABLE ${table}`);
      throw error;
    }
    const stmt = db.prepare(`SELECT ${ROW_COLUMNS} FROM ${table} t JOIN rejected_rows r ON r.id = t.row_id
      WHERE t.row_id > ?${text ? ` AND ${text.sql}` : ''} ORDER BY t.row_id LIMIT ?`);
    const textParams = text?.params ?? [];
    return {
      next: () => advance(stmt.all(afterId, ...textParams, batchSize) as RejectedRowRecord[]),
      close() {
        if (open && db.open) db.exec(`DROP TABLE IF EXISTS ${table}`);
        open = false;
      },
    };
  }

  /** Rows at `offset`, at most `limit` (pages for the UI and the CLI). */
  page(seq: number, filter: ReportFilter, offset: number, limit: number): RejectedRowRecord[] {
    const { sql, params, text } = this.#where(seq, filter);
    if (text) {
      // Rows of the errors' filters checked for the text in record order, until `limit` match.
      const stmt = this.#stmt(
        `page-text:${sql}:${text.sql}`,
        () => `SELECT ${ROW_COLUMNS} FROM rejected_rows r WHERE r.id IN (SELECT row_id FROM reject_errors
          WHERE ${sql.slice(2)}) AND ${text.sql} ORDER BY r.id LIMIT ? OFFSET ?`,
      );
      return stmt.all(...params, ...text.params, limit, offset) as RejectedRowRecord[];
    }
    const stmt = this.#stmt(`page:${sql}`, () =>
      sql.startsWith('E:')
        ? `SELECT ${ROW_COLUMNS} FROM rejected_rows r WHERE r.id IN (SELECT DISTINCT row_id FROM reject_errors
           WHERE ${sql.slice(2)} ORDER BY row_id LIMIT ? OFFSET ?) ORDER BY r.id`
        : `SELECT ${ROW_COLUMNS} FROM rejected_rows r WHERE ${sql.slice(2)} ORDER BY r.id LIMIT ? OFFSET ?`,
    );
    return stmt.all(...params, limit, offset) as RejectedRowRecord[];
  }

  count(seq: number, filter: ReportFilter): number {
    const { sql, params, text } = this.#where(seq, filter);
    if (text) {
      const stmt = this.#stmt(
        `count-text:${sql}:${text.sql}`,
        () => `SELECT COUNT(*) FROM rejected_rows r WHERE r.id IN (SELECT row_id FROM reject_errors
          WHERE ${sql.slice(2)}) AND ${text.sql}`,
      );
      return stmt.pluck().get(...params, ...text.params) as number;
    }
    const stmt = this.#stmt(`count:${sql}`, () =>
      sql.startsWith('E:')
        ? `SELECT COUNT(DISTINCT row_id) FROM reject_errors WHERE ${sql.slice(2)}`
        : `SELECT COUNT(*) FROM rejected_rows r WHERE ${sql.slice(2)}`,
    );
    return stmt.pluck().get(...params) as number;
  }

  /**
   * `E:` conditions on reject_errors, `R:` on rejected_rows (alias r). The text filter is part of
   * an `R:` condition; with `E:` it comes apart (`text`), checked on the rows the errors select.
   */
  #where(
    seq: number,
    f: ReportFilter,
  ): { sql: string; params: unknown[]; text: { sql: string; params: string[] } | null } {
    const params: unknown[] = [seq];
    const text = f.text ? textCondition(f.text) : null;
    if (f.column === undefined && f.reason === undefined) {
      let sql = 'R:r.run_seq = ?';
      if (f.stage) {
        sql += ' AND r.stage = ?';
        params.push(f.stage);
      }
      if (text) {
        sql += ` AND ${text.sql}`;
        params.push(...text.params);
      }
      return { sql, params, text: null };
    }
    let sql = 'E:run_seq = ?';
    if (f.reason !== undefined) {
      sql += ' AND reason = ?';
      params.push(f.reason);
    }
    if (f.column === null) {
      sql += ' AND column_name IS NULL';
    } else if (f.column !== undefined) {
      sql += ' AND column_name = ?';
      params.push(f.column);
    }
    if (f.stage) {
      sql += ' AND stage = ?';
      params.push(f.stage);
    }
    return { sql, params, text };
  }

  #stmt(key: string, build: () => string): Statement {
    let stmt = this.#cache.get(key);
    if (!stmt) {
      stmt = this.#ctx.db.prepare(build());
      this.#cache.set(key, stmt);
    }
    return stmt;
  }
}

/** Turns a stored row into the shape the UI and the CLI read. */
export function toStoredRow(r: RejectedRowRecord): StoredRejectedRow {
  return {
    id: r.id,
    line: r.line,
    at: r.place === null ? null : (JSON.parse(r.place) as RecordPlace),
    stage: r.stage,
    raw: parseRaw(r.raw, r.raw_exact === 1),
    rawText: r.raw_text,
    errors: JSON.parse(r.errors) as StoredRejectedRow['errors'],
  };
}

/** The target name of each source column, from a run's decided columns (null: skipped or unknown). */
function targetNames(sourceColumns: readonly string[], columnPlans: string): Array<string | null> {
  const plans = JSON.parse(columnPlans) as Array<{ source: string; name?: string; skip?: boolean }>;
  const bySource = new Map(plans.map((p) => [p.source, p.skip ? null : (p.name ?? null)]));
  return sourceColumns.map((c) => bySource.get(c) ?? null);
}

/** Creates the reports part of a store. */
export function createReportsRepo(ctx: StoreContext): ReportsRepo {
  const selector = new RowSelector(ctx);
  const columnsOf = ctx.db.prepare('SELECT source_columns, column_plans FROM runs WHERE seq = ?');
  const statusOf = ctx.db.prepare('SELECT status FROM runs WHERE seq = ?').pluck();
  // What an ended run's rejected rows are now: a resume that reconciles an interrupted run prunes
  // those past its committed prefix, retention deletes them all (an index range: ~tens of ms for a
  // million rows, against ~0.4–1.7 s to count a text search's matches).
  const rowsNow = ctx.db
    .prepare("SELECT count(*) || ':' || coalesce(max(id), 0) FROM rejected_rows WHERE run_seq = ?")
    .pluck();
  // Totals of an ended run's filtered rows, kept while its rows stay as they are: paging through a
  // text search of a million rejected rows counted every match again for each page.
  const endedTotals = new Map<string, number>();
  const total = (runId: string, seq: number, filter: ReportFilter): number => {
    if (statusOf.get(seq) === 'running') return selector.count(seq, filter);
    const key = `${runId}\u0000${rowsNow.get(seq) as string}\u0000${filter.stage ?? ''}\u0000${filter.column ?? '\u0001'}\u0000${filter.reason ?? ''}\u0000${filter.text ?? ''}`;
    const known = endedTotals.get(key);
    if (known !== undefined) return known;
    const n = selector.count(seq, filter);
    if (endedTotals.size >= 64) endedTotals.delete(endedTotals.keys().next().value!);
    endedTotals.set(key, n);
    return n;
  };
  const groups = ctx.db.prepare(`SELECT reason, column_name AS "column", COUNT(*) AS count FROM reject_errors
    WHERE run_seq = ? GROUP BY reason, column_name`);
  const exampleOf = ctx.db.prepare(`SELECT value, stage FROM reject_errors
    WHERE run_seq = ? AND reason = ? AND column_name IS ? ORDER BY row_id LIMIT 1`);
  const exampleAt = ctx.db.prepare(`SELECT value, stage FROM reject_errors
    WHERE run_seq = ? AND row_id = ? AND reason = ? AND column_name IS ? LIMIT 1`);
  /** The summary's groups of the errors a filter selects, each with its first row. */
  const filteredGroups = (
    seq: number,
    f: ReportFilter,
  ): Array<{ reason: string; column: string | null; count: number; first: number }> => {
    let sql = `SELECT e.reason, e.column_name AS "column", COUNT(*) AS count, MIN(e.row_id) AS first
      FROM reject_errors e WHERE e.run_seq = ?`;
    const params: unknown[] = [seq];
    if (f.reason !== undefined) {
      sql += ' AND e.reason = ?';
      params.push(f.reason);
    }
    if (f.column === null) sql += ' AND e.column_name IS NULL';
    else if (f.column !== undefined) {
      sql += ' AND e.column_name = ?';
      params.push(f.column);
    }
    if (f.stage) {
      sql += ' AND e.stage = ?';
      params.push(f.stage);
    }
    if (f.text) {
      const text = textCondition(f.text);
      sql += ` AND e.row_id IN (SELECT r.id FROM rejected_rows r WHERE r.run_seq = ? AND ${text.sql})`;
      params.push(seq, ...text.params);
    }
    sql += ' GROUP BY e.reason, e.column_name';
    return ctx.db.prepare(sql).all(...params) as Array<{
      reason: string;
      column: string | null;
      count: number;
      first: number;
    }>;
  };

  return {
    page(runId, query = {}) {
      const seq = runSeqOf(ctx, runId);
      const offset = Math.max(0, Math.trunc(query.offset ?? 0));
      const limit = Math.max(1, Math.min(Math.trunc(query.limit ?? 100), 10_000));
      // One read transaction, so the total and the rows agree while a writer is adding rows.
      return ctx.db.transaction(() => {
        const cols = columnsOf.get(seq) as { source_columns: string; column_plans: string | null };
        const sourceColumns = JSON.parse(cols.source_columns) as string[];
        return {
          total: total(runId, seq, query),
          rows: selector.page(seq, query, offset, limit).map(toStoredRow),
          sourceColumns,
          columnNames: cols.column_plans === null ? null : targetNames(sourceColumns, cols.column_plans),
        };
      })();
    },

    summary(runId, filter = {}) {
      const seq = runSeqOf(ctx, runId);
      const filtered =
        filter.stage !== undefined ||
        filter.column !== undefined ||
        filter.reason !== undefined ||
        filter.text !== undefined;
      return ctx.db.transaction(() => {
        const rows = filtered
          ? filteredGroups(seq, filter)
          : (groups.all(seq) as Array<{
              reason: string;
              column: string | null;
              count: number;
              first?: number;
            }>);
        const items = rows.map((g) => {
          const example = (
            g.first === undefined
              ? exampleOf.get(seq, g.reason, g.column)
              : exampleAt.get(seq, g.first, g.reason, g.column)
          ) as { value: string | null; stage: RejectStage };
          return {
            reason: g.reason,
            column: g.column,
            stage: example.stage,
            count: g.count,
            example: example.value,
          };
        });
        return items.sort(
          (a, b) =>
            b.count - a.count ||
            a.reason.localeCompare(b.reason) ||
            (a.column ?? '').localeCompare(b.column ?? ''),
        );
      })();
    },

    count(runId, filter = {}) {
      return selector.count(runSeqOf(ctx, runId), filter);
    },
  };
}
