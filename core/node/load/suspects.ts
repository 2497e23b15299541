import type pg from 'pg';
import { quoteIdent } from '../pg/identifiers.ts';
import type { PgError } from './db-errors.ts';
import { type MoveShape, stageCol } from './statements.ts';

/** At most this many suspects are tried one by one per round. */
const MAX_SUSPECTS = 5_000;

/**
 * Finds the staged rows that probably caused a refusal, from what the error names, with one
 * set-based query: NULLs in a NOT NULL column, rows failing the named CHECK, foreign keys without
 * a parent, keys already in the target for the named unique index, and (PostgreSQL 16+) values
 * the column type or domain would refuse (`pg_input_is_valid`). The mover then tries each suspect
 * alone, so a chunk with many bad rows costs a few statements per bad row instead of repeated
 * bisection over the whole chunk. Null when the error gives nothing to go on (bisection handles it).
 * The caller runs this under a savepoint: a suspect query may itself fail on another bad value.
 */
export async function findSuspects(
  client: pg.Client,
  shape: MoveShape,
  error: PgError,
  lo: number,
  hi: number,
  serverVersion: number,
): Promise<number[] | null> {
  const sql = await suspectQuery(client, shape, error, serverVersion);
  if (sql === null) return null;
  const r = await client.query<{ ord: string }>(sql.text, [lo, hi, ...sql.params]);
  return r.rows.map((row) => Number(row.ord));
}

const casted = (shape: MoveShape) =>
  `(SELECT s._ord, ${shape.columns.map((c, i) => `s.${stageCol(i)}::${c.castType} AS ${quoteIdent(c.name)}`).join(', ')}
      FROM ${shape.stage} s WHERE s._ord BETWEEN $1 AND $2) x`;
const finish = (where: string) => ` WHERE ${where} ORDER BY x._ord LIMIT ${MAX_SUSPECTS}`;

async function suspectQuery(
  client: pg.Client,
  shape: MoveShape,
  error: PgError,
  serverVersion: number,
): Promise<{ text: string; params: unknown[] } | null> {
  const code = error.code ?? '';
  const index = (name: string | undefined) => (name ? shape.columns.findIndex((c) => c.name === name) : -1);
  if (code === '23502') {
    const i = index(error.column);
    if (i < 0) return null;
    return {
      text: `SELECT s._ord AS ord FROM ${shape.stage} s WHERE s._ord BETWEEN $1 AND $2 AND s.${stageCol(i)} IS NULL ORDER BY s._ord LIMIT ${MAX_SUSPECTS}`,
      params: [],
    };
  }
  if (code === '23514' && error.constraint) {
    const r = await client.query<{ def: string }>(
      `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = to_regclass($1) AND conname = $2 AND contype = 'c'`,
      [shape.target, error.constraint],
    );
    const def = r.rows[0]?.def;
    if (def?.startsWith('CHECK ')) {
      // CHECK passes on NULL: the rows that fail it are those where it is false.
      const expr = def.slice('CHECK '.length).replace(/ NOT VALID$/, '');
      return {
        text: `SELECT x._ord AS ord FROM ${casted(shape)}${finish(`(${expr}) IS FALSE`)}`,
        params: [],
      };
    }
    // A domain's CHECK: the type-validity test below covers domains.
  }
  if (code === '23503' && error.constraint) {
    const r = await client.query<{ cols: string[]; ref: string; refcols: string[] }>(
      `SELECT (SELECT array_agg(a.attname::text ORDER BY k.n) FROM unnest(c.conkey) WITH ORDINALITY k(att, n)
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.att) AS cols,
              c.confrelid::regclass::text AS ref,
              (SELECT array_agg(quote_ident(a.attname) ORDER BY k.n) FROM unnest(c.confkey) WITH ORDINALITY k(att, n)
                 JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.att) AS refcols
         FROM pg_constraint c WHERE c.conrelid = to_regclass($1) AND c.conname = $2 AND c.contype = 'f'`,
      [shape.target, error.constraint],
    );
    const fk = r.rows[0];
    if (!fk || fk.cols.some((c) => index(c) < 0)) return null;
    const mine = fk.cols.map((c) => `x.${quoteIdent(c)}`);
    const match = mine.map((m, j) => `p.${fk.refcols[j]} = ${m}`).join(' AND ');
    const present = mine.map((m) => `${m} IS NOT NULL`).join(' AND ');
    return {
      text: `SELECT x._ord AS ord FROM ${casted(shape)}${finish(`${present} AND NOT EXISTS (SELECT 1 FROM ${fk.ref} p WHERE ${match})`)}`,
      params: [],
    };
  }
  if (code === '23505' && error.constraint) {
    const r = await client.query<{ cols: string[] | null }>(
      `SELECT array_agg(a.attname::text ORDER BY k.n) AS cols FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
         CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(att, n)
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.att
        WHERE i.indrelid = to_regclass($1) AND ic.relname = $2 AND k.n <= i.indnkeyatts AND i.indexprs IS NULL`,
      [shape.target, error.constraint],
    );
    const cols = r.rows[0]?.cols;
    if (!cols || cols.some((c) => index(c) < 0)) return null;
    // Keys already in the table; a key repeated inside the range is left to bisection.
    const match = cols.map((c) => `t.${quoteIdent(c)} = x.${quoteIdent(c)}`).join(' AND ');
    return {
      text: `SELECT x._ord AS ord FROM ${casted(shape)}${finish(`EXISTS (SELECT 1 FROM ${shape.target} t WHERE ${match})`)}`,
      params: [],
    };
  }
  if ((code.startsWith('22') || code === '23514') && serverVersion >= 160000) {
    const tests = shape.columns.map(
      (_, i) => `(s.${stageCol(i)} IS NOT NULL AND NOT pg_input_is_valid(s.${stageCol(i)}, $${i + 3}))`,
    );
    return {
      text: `SELECT s._ord AS ord FROM ${shape.stage} s WHERE s._ord BETWEEN $1 AND $2 AND (${tests.join(' OR ')}) ORDER BY s._ord LIMIT ${MAX_SUSPECTS}`,
      params: shape.columns.map((c) => c.fullType),
    };
  }
  return null;
}
