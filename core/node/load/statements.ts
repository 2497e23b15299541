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

/** Incremental: rows at or below `$3` (when not null) are skipped. */
function wmFilter(shape: MoveShape, alias: string): string {
  if (shape.watermark === null) return '';
  const col = `${alias}.${quoteIdent(shape.columns[shape.watermark]!.name)}`;
  return ` AND ($3::${wmType(shape)} IS NULL OR ${col} > $3::${wmType(shape)})`;
}

/** The new running maximum of the watermark, as text; `$4` is the previous one. */
function wmSelect(shape: MoveShape): string {
  if (shape.watermark === null) return '';
  const col = quoteIdent(shape.columns[shape.watermark]!.name);
  return `, greatest($4::${wmType(shape)}, (SELECT max(${col}) FROM src))::text AS wm`;
}

/** Rows present in the range before the watermark filter (incremental counts skipped rows as unchanged). */
function totalSelect(shape: MoveShape): string {
  return shape.watermark === null
    ? ''
    : `, (SELECT count(*) FROM ${shape.stage} s WHERE ${range})::int AS n_all`;
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

/**
 * Upsert of ordinals $1..$2 when no key repeats in the range: insert new keys, update rows whose
 * values differ (IS DISTINCT FROM), leave identical rows alone. Returns n, inserted, updated
 * (+ n_all, wm for incremental).
 */
export function upsertSql(shape: MoveShape): string {
  const casts = shape.columns.map((c, i) => `${cast(shape, i)} AS ${quoteIdent(c.name)}`).join(', ');
  const rest = shape.columns.map((_, i) => i).filter((i) => !shape.key.includes(i));
  const joinOn = shape.key
    .map((i) => `t.${quoteIdent(shape.columns[i]!.name)} = src.${quoteIdent(shape.columns[i]!.name)}`)
    .join(' AND ');
  const differs =
    rest.length === 0 ? '' : ` OR ${rowOf(shape, rest, 't')} IS DISTINCT FROM ${rowOf(shape, rest, 'src')}`;
  // Rows identical to the table are filtered out by a plain join first: ON CONFLICT … WHERE false
  // would still lock (and WAL-log) every one of them.
  return `WITH src AS (SELECT ${casts} FROM ${shape.stage} s WHERE ${range}${wmFilterOnStage(shape)}),
todo AS (SELECT src.* FROM src LEFT JOIN ${shape.target} t ON ${joinOn} WHERE t.ctid IS NULL${differs}),
up AS (INSERT INTO ${shape.target} AS t (${names(shape)})${overriding(shape)} SELECT ${names(shape)} FROM todo
  ${conflictClause(shape, 't')} RETURNING (t.xmax = 0) AS ins)
SELECT (SELECT count(*) FROM src)::int AS n, (count(*) FILTER (WHERE ins))::int AS inserted,
  (count(*) FILTER (WHERE NOT ins))::int AS updated${totalSelect(shape)}${wmSelect(shape)} FROM up`;
}

function wmFilterOnStage(shape: MoveShape): string {
  if (shape.watermark === null) return '';
  const t = wmType(shape);
  return ` AND ($3::${t} IS NULL OR ${cast(shape, shape.watermark)} > $3::${t})`;
}

/**
 * Upsert of ordinals $1..$2 when keys repeat: rows apply in file order, so only the last row of
 * each key is written, and the counts are those of applying every row in turn (the first row of
 * a key against the table as it was, each later one against the row before it).
 */
export function upsertDedupeSql(shape: MoveShape): string {
  const casts = shape.columns.map((c, i) => `${cast(shape, i)} AS ${quoteIdent(c.name)}`).join(', ');
  const keys = shape.key.map((i) => `c.${quoteIdent(shape.columns[i]!.name)}`).join(', ');
  const rest = shape.columns.map((_, i) => i).filter((i) => !shape.key.includes(i));
  const changed =
    rest.length === 0
      ? 'false'
      : `(lag(${rowOf(shape, rest, 'c')}) OVER w) IS DISTINCT FROM ${rowOf(shape, rest, 'c')}`;
  const joinOn = shape.key
    .map((i) => `t.${quoteIdent(shape.columns[i]!.name)} = src.${quoteIdent(shape.columns[i]!.name)}`)
    .join(' AND ');
  const differs =
    rest.length === 0 ? 'false' : `${rowOf(shape, rest, 't')} IS DISTINCT FROM ${rowOf(shape, rest, 'src')}`;
  return `WITH c AS (SELECT s._ord, ${casts} FROM ${shape.stage} s WHERE ${range}),
src AS (SELECT c.*, lead(c._ord) OVER w IS NULL AS is_last, lag(c._ord) OVER w IS NOT NULL AS has_prev,
  ${changed} AS changed
  FROM c WHERE true${wmFilter(shape, 'c')} WINDOW w AS (PARTITION BY ${keys} ORDER BY c._ord)),
up AS (INSERT INTO ${shape.target} AS t (${names(shape)})${overriding(shape)} SELECT ${names(shape)} FROM src WHERE is_last
  ${conflictClause(shape, 't')} RETURNING 1),
cnt AS (SELECT count(*)::int AS n,
  (count(*) FILTER (WHERE NOT src.has_prev AND t.ctid IS NULL))::int AS inserted,
  (count(*) FILTER (WHERE (src.has_prev AND src.changed) OR (NOT src.has_prev AND t.ctid IS NOT NULL AND ${differs})))::int AS updated
  FROM src LEFT JOIN ${shape.target} t ON ${joinOn})
SELECT cnt.n, cnt.inserted, cnt.updated, (SELECT count(*) FROM up)::int AS written${totalSelect(shape)}${wmSelect(shape)} FROM cnt`;
}
