import { quoteIdent } from '../pg/identifiers.ts';

/** A load column as the move statements see it. */
export interface MoveColumn {
  /** Target column name (unquoted). */
  readonly name: string;
  /** Type the staged text is cast to (the target type without modifiers; assignment applies them). */
  readonly castType: string;
  /** The full target type (`character varying(10)`), used to find which cell the server refused. */
  readonly fullType: string;
  /** `json` has no equality operator: compare it as text. */
  readonly compareAsText: boolean;
}

/** Everything the statement builders need; names arrive unquoted and are quoted here. */
export interface MoveShape {
  /** Qualified, quoted target table. */
  readonly target: string;
  /** Quoted staging table: `_ord bigint, c0 text, c1 text, …` (+ `_line`, `_raw` when staged first). */
  readonly stage: string;
  readonly columns: readonly MoveColumn[];
  /** Indexes of the key columns in `columns` (upsert/incremental). */
  readonly key: readonly number[];
  /** Index of the watermark column (incremental). */
  readonly watermark: number | null;
  /** The target has GENERATED ALWAYS identity columns among the loaded ones. */
  readonly overriding: boolean;
}

/** Staging column for load column `i`: fixed ASCII names, so user names never reach the temp table. */
export const stageCol = (i: number): string => `c${i}`;

const cast = (shape: MoveShape, i: number, from = 's'): string =>
  `${from}.${stageCol(i)}::${shape.columns[i]!.castType}`;
const names = (shape: MoveShape, prefix = ''): string =>
  shape.columns.map((c) => `${prefix}${quoteIdent(c.name)}`).join(', ');
const overriding = (shape: MoveShape): string => (shape.overriding ? ' OVERRIDING SYSTEM VALUE' : '');
const range = 's._ord BETWEEN $1 AND $2';

/** `CREATE TEMP TABLE` for the staging table; every value is text, so COPY never fails on a value. */
export function createStageSql(shape: MoveShape, withSource: boolean): string {
  const cols = shape.columns.map((_, i) => `${stageCol(i)} text`);
  const extra = withSource ? ', _line bigint, _raw text' : '';
  return `CREATE TEMP TABLE ${shape.stage} (_ord bigint, ${cols.join(', ')}${extra})`;
}

/** `COPY` into the staging table. */
export function copyStageSql(shape: MoveShape, withSource: boolean): string {
  const cols = shape.columns.map((_, i) => stageCol(i)).join(', ');
  return `COPY ${shape.stage} (_ord, ${cols}${withSource ? ', _line, _raw' : ''}) FROM STDIN`;
}

/** `COPY` straight into the target (append/replace fast path). */
export function copyTargetSql(shape: MoveShape): string {
  return `COPY ${shape.target} (${names(shape)}) FROM STDIN`;
}

/** Append: one INSERT … SELECT for ordinals $1..$2. Returns the row count. */
export function appendSql(shape: MoveShape): string {
  const casts = shape.columns.map((_, i) => cast(shape, i)).join(', ');
  return `INSERT INTO ${shape.target} (${names(shape)})${overriding(shape)} SELECT ${casts} FROM ${shape.stage} s WHERE ${range}`;
}

function wmType(shape: MoveShape): string {
  return shape.columns[shape.watermark!]!.castType;
}

/**
 * Incremental: rows below `$3` (when not null) are skipped. Rows at the mark go on to the upsert,
 * which compares them with the table by key: one loaded by the last run is unchanged (or updated),
 * one new since (a record sharing the last run's greatest timestamp) is inserted, not lost.
 */
function wmFilter(shape: MoveShape, alias: string): string {
  if (shape.watermark === null) return '';
  const col = `${alias}.${quoteIdent(shape.columns[shape.watermark]!.name)}`;
  return ` AND ($3::${wmType(shape)} IS NULL OR ${col} >= $3::${wmType(shape)})`;
}

/**
 * The new running maximum of the watermark, as text; `$4` is the previous one. NULL (no change) when
 * the range holds nothing above the mark the load started from (`$3`): rows at the mark, compared by
 * key, do not move it.
 */
function wmSelect(shape: MoveShape): string {
  if (shape.watermark === null) return '';
  const col = quoteIdent(shape.columns[shape.watermark]!.name);
  const t = wmType(shape);
  return `, CASE WHEN $3::${t} IS NULL OR (SELECT max(${col}) FROM src) > $3::${t}
    THEN greatest($4::${t}, (SELECT max(${col}) FROM src))::text END AS wm`;
}

/**
 * Incremental: rows present in the range before the watermark filter (`n_all`; `n_all - n` were
 * skipped, below the watermark) and, when `withSkipped`, their ordinals (the caller keeps
 * track of which keys the load applied).
 */
function totalSelect(shape: MoveShape, withSkipped: boolean): string {
  if (shape.watermark === null) return '';
  const all = `, (SELECT count(*) FROM ${shape.stage} s WHERE ${range})::int AS n_all`;
  if (!withSkipped) return all;
  const t = wmType(shape);
  return `${all}, (SELECT array_agg(s._ord) FROM ${shape.stage} s WHERE ${range} AND $3::${t} IS NOT NULL
    AND NOT (${cast(shape, shape.watermark)} >= $3::${t})) AS skipped_ords`;
}

/**
 * The parameter holding the ordinals of rows whose key an earlier chunk of this load already
 * applied (`$3`, after the incremental watermark parameters `$3` and `$4`).
 */
function lateParam(shape: MoveShape): string {
  return shape.watermark === null ? '$3::bigint[]' : '$5::bigint[]';
}

function conflictClause(shape: MoveShape, target: string): string {
  const keyNames = shape.key.map((i) => quoteIdent(shape.columns[i]!.name)).join(', ');
  const rest = shape.columns.map((_, i) => i).filter((i) => !shape.key.includes(i));
  if (rest.length === 0) return `ON CONFLICT (${keyNames}) DO NOTHING`;
  const set = rest.map(
    (i) => `${quoteIdent(shape.columns[i]!.name)} = EXCLUDED.${quoteIdent(shape.columns[i]!.name)}`,
  );
  return `ON CONFLICT (${keyNames}) DO UPDATE SET ${set.join(', ')} WHERE ${rowOf(shape, rest, target)} IS DISTINCT FROM ${rowOf(shape, rest, 'EXCLUDED')}`;
}

function rowOf(shape: MoveShape, cols: readonly number[], alias: string): string {
  const parts = cols.map((i) => {
    const c = shape.columns[i]!;
    return `${alias}.${quoteIdent(c.name)}${c.compareAsText ? '::text' : ''}`;
  });
  return `ROW(${parts.join(', ')})`;
}

/** What the two upsert statements are built for. */
export interface UpsertVariant {
  /** The caller passes the ordinals of rows whose key an earlier chunk applied (see `lateParam`). */
  readonly late: boolean;
  /** Incremental: also return the ordinals of the rows below the watermark. */
  readonly skippedOrdinals: boolean;
}

const NO_VARIANT: UpsertVariant = { late: false, skippedOrdinals: false };

/**
 * Upsert of ordinals $1..$2 when no key repeats in the range: insert new keys, update rows whose
 * values differ (IS DISTINCT FROM), leave identical rows alone. Returns n, inserted, updated
 * (+ n_all, wm for incremental). With `late`, rows whose key an earlier chunk of this load already
 * applied (and that the table therefore holds) are counted apart (`late`, `late_updated`): they
 * supersede that earlier row rather than update the table as the load found it.
 */
export function upsertSql(shape: MoveShape, variant: UpsertVariant = NO_VARIANT): string {
  const casts = shape.columns.map((c, i) => `${cast(shape, i)} AS ${quoteIdent(c.name)}`).join(', ');
  const rest = shape.columns.map((_, i) => i).filter((i) => !shape.key.includes(i));
  const joinOn = shape.key
    .map((i) => `t.${quoteIdent(shape.columns[i]!.name)} = src.${quoteIdent(shape.columns[i]!.name)}`)
    .join(' AND ');
  const differs =
    rest.length === 0 ? '' : ` OR ${rowOf(shape, rest, 't')} IS DISTINCT FROM ${rowOf(shape, rest, 'src')}`;
  const ord = variant.late ? 's._ord, ' : '';
  const existed = variant.late ? ', t.ctid IS NOT NULL AS existed' : '';
  const late = variant.late
    ? `, (SELECT count(*) FROM src JOIN ${shape.target} t ON ${joinOn} WHERE src._ord = ANY(${lateParam(shape)}))::int AS late,
  (SELECT count(*) FROM todo WHERE todo.existed AND todo._ord = ANY(${lateParam(shape)}))::int AS late_updated`
    : '';
  // Rows identical to the table are filtered out by a plain join first: ON CONFLICT … WHERE false
  // would still lock (and WAL-log) every one of them.
  return `WITH src AS (SELECT ${ord}${casts} FROM ${shape.stage} s WHERE ${range}${wmFilterOnStage(shape)}),
todo AS (SELECT src.*${existed} FROM src LEFT JOIN ${shape.target} t ON ${joinOn} WHERE t.ctid IS NULL${differs}),
up AS (INSERT INTO ${shape.target} AS t (${names(shape)})${overriding(shape)} SELECT ${names(shape)} FROM todo
  ${conflictClause(shape, 't')} RETURNING (t.xmax = 0) AS ins)
SELECT (SELECT count(*) FROM src)::int AS n, (count(*) FILTER (WHERE ins))::int AS inserted,
  (count(*) FILTER (WHERE NOT ins))::int AS updated${late}${totalSelect(shape, variant.skippedOrdinals)}${wmSelect(shape)} FROM up`;
}

function wmFilterOnStage(shape: MoveShape): string {
  if (shape.watermark === null) return '';
  const t = wmType(shape);
  return ` AND ($3::${t} IS NULL OR ${cast(shape, shape.watermark)} >= $3::${t})`;
}

/**
 * Upsert of ordinals $1..$2 when keys repeat: only the last row of each key is written; the rows
 * before it are `superseded`, and the last one is counted against the table as the load found it
 * (inserted, updated or unchanged). With `late`, a key an earlier chunk of this load already
 * applied is not counted again: its last row here supersedes the row that chunk wrote.
 */
export function upsertDedupeSql(shape: MoveShape, variant: UpsertVariant = NO_VARIANT): string {
  const casts = shape.columns.map((c, i) => `${cast(shape, i)} AS ${quoteIdent(c.name)}`).join(', ');
  const keys = shape.key.map((i) => `c.${quoteIdent(shape.columns[i]!.name)}`).join(', ');
  const rest = shape.columns.map((_, i) => i).filter((i) => !shape.key.includes(i));
  const joinOn = shape.key
    .map((i) => `t.${quoteIdent(shape.columns[i]!.name)} = src.${quoteIdent(shape.columns[i]!.name)}`)
    .join(' AND ');
  const differs =
    rest.length === 0 ? 'false' : `${rowOf(shape, rest, 't')} IS DISTINCT FROM ${rowOf(shape, rest, 'src')}`;
  const late = variant.late
    ? `bool_or(c._ord = ANY(${lateParam(shape)})) OVER (PARTITION BY ${keys})`
    : 'false';
  return `WITH c AS (SELECT s._ord, ${casts} FROM ${shape.stage} s WHERE ${range}),
src AS (SELECT c.*, lead(c._ord) OVER w IS NULL AS is_last, ${late} AS late
  FROM c WHERE true${wmFilter(shape, 'c')} WINDOW w AS (PARTITION BY ${keys} ORDER BY c._ord)),
up AS (INSERT INTO ${shape.target} AS t (${names(shape)})${overriding(shape)} SELECT ${names(shape)} FROM src WHERE is_last
  ${conflictClause(shape, 't')} RETURNING 1),
cnt AS (SELECT count(*)::int AS n,
  (count(*) FILTER (WHERE src.is_last AND t.ctid IS NULL))::int AS inserted,
  (count(*) FILTER (WHERE src.is_last AND t.ctid IS NOT NULL AND NOT src.late AND ${differs}))::int AS updated,
  (count(*) FILTER (WHERE NOT src.is_last OR (src.late AND t.ctid IS NOT NULL)))::int AS superseded
  FROM src LEFT JOIN ${shape.target} t ON ${joinOn})
SELECT cnt.n, cnt.inserted, cnt.updated, cnt.superseded, (SELECT count(*) FROM up)::int AS written${totalSelect(shape, variant.skippedOrdinals)}${wmSelect(shape)} FROM cnt`;
}
