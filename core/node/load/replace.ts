import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { LoadstoneError } from '../../common/errors.ts';
import { displayTable, type QualifiedTable, qualify, quoteIdent, quoteLiteral } from '../pg/identifiers.ts';
import type { LockWait } from './types.ts';

/** How the swap waits for the old table's lock. */
export interface SwapWait {
  /** Told who holds the lock while the swap waits for it, then null once it has it. */
  readonly waiting: (wait: LockWait | null) => void;
  /** Stops the wait between two tries. */
  readonly signal?: AbortSignal | undefined;
  /** Throws when the load was cancelled (called between two tries). */
  readonly checkCancelled: () => void;
}

/** A fresh table shaped like the target, loaded, then swapped in by `swap` in the same transaction. */
export interface ReplacePlan {
  readonly fresh: QualifiedTable;
  /**
   * Drops the old table and gives the fresh one its name, indexes' names, sequences and owner. The
   * old table's lock is taken first, politely (see `lockForSwap`).
   */
  swap(wait?: SwapWait): Promise<void>;
  /**
   * A server message about the fresh table as the operator knows it: the table's and its
   * constraints' and indexes' own names instead of the temporary ones (which vanish at the swap).
   */
  ownNames(message: string): string;
}

/**
 * Prepares `replace` of an existing table: the fresh table copies columns, defaults, CHECK and NOT
 * NULL constraints, identity, storage, comments (`LIKE … INCLUDING ALL`), every index and
 * unique/primary/exclusion constraint (under temporary names until the swap), its own foreign
 * keys, table and column privileges, reloptions, persistence and owner. Readers keep seeing the
 * old rows until the load commits.
 *
 * Refused up front (TARGET_INCOMPATIBLE), because a swap would silently break or drop them: views
 * or other objects that depend on the table or its row type, foreign keys pointing at it,
 * triggers, row-level security, inheritance, publication membership, a typed table. Load those
 * tables with another mode (append with `truncate`, which empties the table in the load's
 * transaction, or upsert).
 */
export async function prepareReplace(
  client: pg.Client,
  target: QualifiedTable,
  oid: number,
): Promise<ReplacePlan> {
  await refuseBlockers(client, target, oid);
  const suffix = `_ls${randomBytes(3).toString('hex')}`;
  const fresh = { schema: target.schema, name: truncateBytes(target.name, 63 - suffix.length) + suffix };
  const meta = await client.query<{
    persistence: string;
    reloptions: string[] | null;
    comment: string | null;
    owner: string;
    me: string;
  }>(
    `SELECT c.relpersistence::text AS persistence, c.reloptions, obj_description(c.oid, 'pg_class') AS comment,
            pg_get_userbyid(c.relowner) AS owner, current_user AS me
       FROM pg_class c WHERE c.oid = $1`,
    [oid],
  );
  const m = meta.rows[0]!;
  const unlogged = m.persistence === 'u' ? 'UNLOGGED ' : '';
  await client.query(
    `CREATE ${unlogged}TABLE ${qualify(fresh)} (LIKE ${qualify(target)} INCLUDING ALL EXCLUDING INDEXES)`,
  );
  if (m.reloptions && m.reloptions.length > 0)
    await client.query(`ALTER TABLE ${qualify(fresh)} SET (${m.reloptions.join(', ')})`);
  if (m.comment !== null)
    await client.query(`COMMENT ON TABLE ${qualify(fresh)} IS ${quoteLiteral(m.comment)}`);

  const renames = await copyIndexes(client, fresh, oid, suffix);
  const fks = await client.query<{ name: string; def: string }>(
    `SELECT conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = $1 AND contype = 'f'`,
    [oid],
  );
  for (const fk of fks.rows)
    await client.query(`ALTER TABLE ${qualify(fresh)} ADD CONSTRAINT ${quoteIdent(fk.name)} ${fk.def}`);
  await copyGrants(client, fresh, oid);

  // The server quotes names in its messages as "name", unescaped.
  const names: [string, string][] = [
    [`"${fresh.name}"`, `"${target.name}"`],
    ...renames.map((r): [string, string] => [`"${r.temp}"`, `"${r.name}"`]),
  ];
  return {
    fresh,
    ownNames: (message) => names.reduce((text, [temp, own]) => text.replaceAll(temp, own), message),
    swap: async (wait) => {
      await lockForSwap(client, target, oid, wait);
      const owned = await client.query<{ seq: string; col: string }>(
        `SELECT d.objid::regclass::text AS seq, a.attname AS col
           FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
           JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
          WHERE d.classid = 'pg_class'::regclass AND d.refobjid = $1 AND d.deptype = 'a'`,
        [oid],
      );
      // serial sequences: keep them (and their position) for the fresh table's defaults.
      for (const o of owned.rows)
        await client.query(`ALTER SEQUENCE ${o.seq} OWNED BY ${qualify(fresh)}.${quoteIdent(o.col)}`);
      await client.query(`DROP TABLE ${qualify(target)}`);
      await client.query(`ALTER TABLE ${qualify(fresh)} RENAME TO ${quoteIdent(target.name)}`);
      for (const r of renames) {
        if (r.constraint) {
          await client.query(
            `ALTER TABLE ${qualify(target)} RENAME CONSTRAINT ${quoteIdent(r.temp)} TO ${quoteIdent(r.name)}`,
          );
        } else {
          await client.query(
            `ALTER INDEX ${quoteIdent(target.schema)}.${quoteIdent(r.temp)} RENAME TO ${quoteIdent(r.name)}`,
          );
        }
      }
      if (m.owner !== m.me)
        await client.query(`ALTER TABLE ${qualify(target)} OWNER TO ${quoteIdent(m.owner)}`);
    },
  };
}

/** How long one try for the old table's lock waits before letting the queue behind it through. */
export const SWAP_LOCK_TRY_MS = 2000;
/** The pause between two tries. */
const SWAP_LOCK_PAUSE_MS = 500;

/**
 * Takes the old table's ACCESS EXCLUSIVE lock for the swap. A reader in a long transaction holds a
 * lock that conflicts with it, and a request waiting behind such a lock makes every new query on
 * the table queue behind the request (a dashboard's SELECTs hang until the reader ends). So each
 * try waits at most SWAP_LOCK_TRY_MS (`lock_timeout` inside a savepoint, so the load's transaction
 * lives on), then steps aside for SWAP_LOCK_PAUSE_MS, letting the queued queries run, and tries
 * again; meanwhile `waiting` names who holds a lock on the table (pid, since when, what it runs),
 * and the phase says `waiting_for_lock`. Cancelling the load stops the wait.
 */
async function lockForSwap(
  client: pg.Client,
  target: QualifiedTable,
  oid: number,
  wait: SwapWait | undefined,
): Promise<void> {
  const before = await client.query<{ t: string }>("SELECT current_setting('lock_timeout') AS t");
  let waited = false;
  for (;;) {
    await client.query('SAVEPOINT loadstone_swap_lock');
    await client.query(`SET LOCAL lock_timeout = ${SWAP_LOCK_TRY_MS}`);
    try {
      await client.query(`LOCK TABLE ${qualify(target)} IN ACCESS EXCLUSIVE MODE`);
      await client.query('RELEASE SAVEPOINT loadstone_swap_lock');
      break;
    } catch (error) {
      // 55P03 lock_not_available: the try timed out; anything else (a cancel) ends the load.
      if ((error as { code?: string }).code !== '55P03') throw error;
      await client.query('ROLLBACK TO SAVEPOINT loadstone_swap_lock');
      await client.query('RELEASE SAVEPOINT loadstone_swap_lock');
    }
    waited = true;
    wait?.waiting({ table: displayTable(target), heldBy: await lockHolders(client, oid) });
    // A cancel cuts the pause short (the abort rejects it); checkCancelled below says so.
    await sleep(SWAP_LOCK_PAUSE_MS, undefined, { signal: wait?.signal }).catch(() => {});
    wait?.checkCancelled();
  }
  await client.query(`SET LOCAL lock_timeout = ${quoteLiteral(before.rows[0]!.t)}`);
  if (waited) wait?.waiting(null);
}

/**
 * Who holds a lock on the table now, for the operator: `held by pid 4242 (user alice, application
 * psql, in a transaction since …)`. Not their query's text: it may hold values that are not the
 * operator's.
 */
async function lockHolders(client: pg.Client, oid: number): Promise<string> {
  const held = await client.query<{
    pid: number;
    usename: string | null;
    app: string | null;
    since: Date | null;
  }>(
    `SELECT l.pid, min(a.usename) AS usename, min(a.application_name) AS app, min(a.xact_start) AS since
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.relation = $1 AND l.granted AND l.pid <> pg_backend_pid()
      GROUP BY l.pid ORDER BY min(a.xact_start) NULLS LAST LIMIT 3`,
    [oid],
  );
  const who = held.rows.map((r) => {
    const parts = [
      r.usename ? `user ${r.usename}` : '',
      r.app ? `application ${r.app}` : '',
      r.since ? `in a transaction since ${r.since.toISOString()}` : '',
    ].filter((p) => p !== '');
    return `pid ${r.pid}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
  });
  return who.length > 0 ? `held by ${who.join('; ')}` : 'another session holds or wants it';
}

/** The progress notice while a swap waits for its lock. */
export function lockWaitNotice(wait: LockWait): string {
  return (
    `waiting for the lock on ${wait.table} to swap in the new rows: ${wait.heldBy}` +
    '; the load waits until it is released, trying every few seconds so queries queued behind it can run'
  );
}

/**
 * What to use instead of a replace that cannot swap: emptying the table in the load's own
 * transaction. Emptying it by hand and then appending would leave it empty if that load failed.
 */
export const EMPTY_FIRST =
  'the table emptied first ("Empty the table first", --truncate: inside the load\'s transaction, so a load that fails or is cancelled keeps the old rows)';

async function refuseBlockers(client: pg.Client, target: QualifiedTable, oid: number): Promise<void> {
  const r = await client.query<{ what: string }>(
    `SELECT pg_describe_object(d.classid, d.objid, d.objsubid) AS what FROM pg_depend d, pg_class c
      WHERE c.oid = $1 AND d.deptype = 'n'
        AND ((d.refclassid = 'pg_class'::regclass AND d.refobjid = c.oid) OR (d.refclassid = 'pg_type'::regclass AND d.refobjid = c.reltype))
        -- the table's own parts travel with it (a foreign key to itself does not: it would point at the old table)
        AND NOT (d.classid = 'pg_constraint'::regclass AND d.objid IN (SELECT oid FROM pg_constraint WHERE conrelid = $1 AND contype <> 'f'))
        AND NOT (d.classid = 'pg_attrdef'::regclass AND d.objid IN (SELECT oid FROM pg_attrdef WHERE adrelid = $1))
        AND NOT (d.classid = 'pg_class'::regclass AND d.objid IN (SELECT indexrelid FROM pg_index WHERE indrelid = $1))
        AND NOT (d.classid = 'pg_statistic_ext'::regclass AND d.objid IN (SELECT oid FROM pg_statistic_ext WHERE stxrelid = $1))
     UNION SELECT 'trigger ' || quote_ident(tgname) FROM pg_trigger WHERE tgrelid = $1 AND NOT tgisinternal
     UNION SELECT 'row-level security' FROM pg_class WHERE oid = $1 AND (relrowsecurity OR EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = $1))
     UNION SELECT 'inheritance (' || inhrelid::regclass::text || ' inherits ' || inhparent::regclass::text || ')' FROM pg_inherits WHERE inhrelid = $1 OR inhparent = $1
     UNION SELECT 'publication ' || quote_ident(p.pubname) FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = pr.prpubid WHERE pr.prrelid = $1
     UNION SELECT 'typed table (OF ' || reloftype::regtype::text || ')' FROM pg_class WHERE oid = $1 AND reloftype <> 0
     UNION SELECT 'ownership: you are not the owner of the table nor a member of its owner role' FROM pg_class WHERE oid = $1 AND NOT pg_has_role(relowner, 'MEMBER')`,
    [oid],
  );
  if (r.rows.length === 0) return;
  const list = r.rows.map((x) => x.what);
  // Another table's foreign key also stops a TRUNCATE (only CASCADE would do, emptying that table too).
  const referenced = await client.query(
    `SELECT 1 FROM pg_constraint WHERE confrelid = $1 AND conrelid <> $1 AND contype = 'f' LIMIT 1`,
    [oid],
  );
  const instead =
    referenced.rowCount === 0
      ? `Use mode 'append' with ${EMPTY_FIRST}, or mode 'upsert'.`
      : "Use mode 'upsert' (a table other tables' foreign keys point at cannot be emptied first either).";
  throw new LoadstoneError(
    'TARGET_INCOMPATIBLE',
    `mode 'replace' swaps in a fresh table, which would break what depends on ${displayTable(target)}: ${list.join('; ')}. ${instead}`,
    { details: { blockers: list } },
  );
}

interface Rename {
  readonly temp: string;
  readonly name: string;
  readonly constraint: boolean;
}

/** Recreates every index of `oid` on `fresh` under temporary names (index names are unique per schema). */
async function copyIndexes(
  client: pg.Client,
  fresh: QualifiedTable,
  oid: number,
  suffix: string,
): Promise<Rename[]> {
  // pg_get_indexdef names the table as quote_ident(schema).quote_ident(table); we cut the definition there.
  const r = await client.query<{
    name: string;
    conname: string | null;
    condef: string | null;
    indexdef: string;
    qn: string;
  }>(
    `SELECT ic.relname AS name, con.conname, pg_get_constraintdef(con.oid) AS condef, pg_get_indexdef(i.indexrelid) AS indexdef,
            (SELECT quote_ident(n.nspname) || '.' || quote_ident(t.relname) FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace WHERE t.oid = i.indrelid) AS qn
       FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
       LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x')
      WHERE i.indrelid = $1 ORDER BY ic.relname`,
    [oid],
  );
  const renames: Rename[] = [];
  let n = 0;
  for (const idx of r.rows) {
    const temp = `ls_idx${suffix}_${n++}`;
    if (idx.conname && idx.condef) {
      await client.query(`ALTER TABLE ${qualify(fresh)} ADD CONSTRAINT ${quoteIdent(temp)} ${idx.condef}`);
      renames.push({ temp, name: idx.conname, constraint: true });
    } else {
      const using = indexTail(idx.indexdef, idx.qn);
      const unique = idx.indexdef.startsWith('CREATE UNIQUE INDEX') ? 'UNIQUE ' : '';
      await client.query(`CREATE ${unique}INDEX ${quoteIdent(temp)} ON ${qualify(fresh)} USING ${using}`);
      renames.push({ temp, name: idx.name, constraint: false });
    }
  }
  return renames;
}

/** The part of `pg_get_indexdef` after `ON <table> USING `, found by position (names may contain anything). */
function indexTail(def: string, qualifiedAsPrinted: string): string {
  const on = ` ON ${qualifiedAsPrinted} USING `;
  const at = def.indexOf(on);
  if (at < 0)
    throw new LoadstoneError(
      'TARGET_INCOMPATIBLE',
      `cannot copy index for replace: unexpected definition ${def}`,
    );
  return def.slice(at + on.length);
}

async function copyGrants(client: pg.Client, fresh: QualifiedTable, oid: number): Promise<void> {
  const r = await client.query<{ priv: string; col: string | null; grantee: string; grantable: boolean }>(
    `SELECT a.privilege_type AS priv, NULL::text AS col,
            CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END AS grantee, a.is_grantable AS grantable
       FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a WHERE c.oid = $1 AND a.grantee <> c.relowner
     UNION ALL
     SELECT a.privilege_type, at.attname::text,
            CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END, a.is_grantable
       FROM pg_attribute at CROSS JOIN LATERAL aclexplode(at.attacl) a
      WHERE at.attrelid = $1 AND at.attnum > 0 AND NOT at.attisdropped`,
    [oid],
  );
  for (const g of r.rows) {
    const cols = g.col === null ? '' : ` (${quoteIdent(g.col)})`;
    const option = g.grantable ? ' WITH GRANT OPTION' : '';
    await client.query(`GRANT ${g.priv}${cols} ON ${qualify(fresh)} TO ${g.grantee}${option}`);
  }
}

function truncateBytes(s: string, max: number): string {
  const chars = [...s]; // whole code points: never split a surrogate pair
  while (Buffer.byteLength(chars.join(''), 'utf8') > max) chars.pop();
  return chars.join('');
}
