import { randomBytes } from 'node:crypto';
import { LoadstoneError } from '../../common/errors.ts';
import type { RejectedRow } from '../../common/types.ts';
import {
  displayTable,
  MAX_IDENTIFIER_BYTES,
  parseTableName,
  qualify,
  quoteIdent,
} from '../pg/identifiers.ts';
import { readTableInfo, resolveSchema } from './catalog.ts';
import { compareWithTable, describeIncompatibility } from './compatibility.ts';
import { connectionLost } from './connection-lost.ts';
import { isConnectionLost, isPgError, isRowDataError, loadFailed } from './db-errors.ts';
import { type LoadFailureCounts, loadFailureCounts } from './failure-counts.ts';
import { Mover } from './mover.ts';
import { prepareReplace, type ReplacePlan } from './replace.ts';
import { sequencedColumns } from './sequences.ts';
import { Cancelled, LoadSession } from './session.ts';
import {
  addColumnsSql,
  fractionLimits,
  hexBytesColumns,
  moveColumns,
  needsOverriding,
  truncateSql,
} from './setup.ts';
import { StageTable } from './stage-table.ts';
import { loadStaged } from './staged.ts';
import type { MoveShape } from './statements.ts';
import { loadStreaming } from './streaming.ts';
import type { LoadInput, LoadResult } from './types.ts';
import { verbatimKeyFunction } from './verbatim-keys.ts';

/**
 * Rows per chunk. A chunk's rows stay in memory until its COPY/merge is done (they are needed to
 * report refused rows), so this bounds memory; 20,000 measured as fast as 50,000 at a lower peak RSS.
 */
export const DEFAULT_CHUNK_ROWS = 20_000;

/**
 * Loads normalized rows into a PostgreSQL table.
 *
 * - Target `[schema.]table` (see `parseTableName`); a missing table is created from the spec (key
 *   columns become the primary key for upsert/incremental); a missing schema is an error: schemas
 *   are never created, so a typo cannot create one.
 * - Before any row moves, the table is checked against the spec (`checkCompatibility`); missing
 *   columns are added only with `addMissingColumns`.
 * - `append`: COPY straight into the table, chunk by chunk under a savepoint; a refused chunk goes
 *   through the staging table with bad-row isolation. `replace`: the same into a fresh copy of the
 *   table, swapped in at the end (see `prepareReplace` for what is kept and what is refused).
 *   `upsert`: COPY into a temp staging table, then one INSERT … ON CONFLICT per chunk that inserts
 *   new keys, updates rows whose values differ (IS DISTINCT FROM) and leaves identical ones alone.
 *   `incremental`: upsert of the rows at or above `watermark.after` (those at it compared by key like
 *   any upsert row); rows below it count as
 *   skipped; a row with an empty watermark is rejected (`missing_watermark`), never skipped.
 * - A key repeated in one load: with `last`, rows apply in file order and the last one wins; the
 *   rows before it count as superseded and the key once, as inserted, updated or unchanged against
 *   the table as the load found it (when its rows are more than a chunk apart, against the table as
 *   the first chunk holding the key found it); with `reject`, every row of that key is rejected
 *   (`duplicate_key`): all rows are staged first to see the whole file.
 * - Counts: rowsRead = inserted + updated + unchanged + skipped + superseded + rejected (rejected
 *   includes upstream rejects; skipped: incremental rows below the watermark; superseded: rows
 *   a later row of the same key replaced).
 * - `truncate` (append): the table is emptied inside the load's transaction, after the check.
 * - One transaction: the target sees all or nothing (dry run: everything runs, then is rolled
 *   back; the result is the plan). With `commitEvery`, chunks commit as they go and stay if the
 *   load fails later; only what follows the last commit is rolled back (ignored by replace, whose
 *   swap is atomic anyway, and by dry runs).
 * - Refused rows are isolated (`Mover`) and reported with stage `load`; the error budget is checked
 *   as rows go (after `ERROR_RATE_MIN_ROWS` rows) and at the end, before the commit.
 * - Cancel (`signal`): the source is no longer read, the running statement is cancelled
 *   (`pg_cancel_backend` from a second connection; an open COPY is ended with CopyFail) and the
 *   transaction rolled back.
 * - Session settings for the load's transactions: TimeZone UTC (a date into a timestamp column is
 *   midnight UTC; watermarks print in UTC), DateStyle ISO, deferred constraints checked per statement.
 * @throws LoadstoneError SPEC_INVALID, TARGET_INCOMPATIBLE, TARGET_UNREACHABLE (connection lost),
 *   LOAD_ABORTED_ERROR_RATE, LOAD_CANCELLED, LOAD_FAILED.
 */
export async function loadIntoPostgres(input: LoadInput): Promise<LoadResult> {
  const columns = input.columns;
  const keyNames = input.mode === 'upsert' || input.mode === 'incremental' ? [...(input.key ?? [])] : [];
  const wmName = input.mode === 'incremental' ? (input.watermark?.column ?? null) : null;
  validate(input, keyNames, wmName);
  const client = input.client;
  const session = new LoadSession(client, input);
  const stage = new StageTable(client, quoteIdent(`loadstone_stage_${randomBytes(4).toString('hex')}`));
  const onClientError = () => {};
  client.on('error', onClientError);
  let mover: Mover | null = null;
  let inTransaction = false;
  let tableText = input.table;
  let replace: ReplacePlan | null = null;
  try {
    session.progress();
    const name = parseTableName(input.table);
    tableText = displayTable(name);
    await session.begin();
    inTransaction = true;
    const resolved = await resolveSchema(client, name);
    if (resolved.problem) throw new LoadstoneError('TARGET_INCOMPATIBLE', resolved.problem);
    const info = await readTableInfo(client, resolved.table);
    const compatibility = compareWithTable(resolved.table, info, columns, {
      mode: input.mode,
      key: keyNames,
      addMissingColumns: input.addMissingColumns,
      truncate: input.truncate === true,
    });
    if (!compatibility.ok) {
      throw new LoadstoneError(
        'TARGET_INCOMPATIBLE',
        describeIncompatibility(compatibility, input.addMissingColumns),
        {
          details: { compatibility },
        },
      );
    }
    session.table = resolved.table;
    // Moved at each COMMIT (`LoadSession.commit`); a replaced table's at the final one, after the
    // swap, when the serial sequence is its own again.
    session.sequenced = sequencedColumns(columns, info);
    let target = resolved.table;
    let addedColumns: string[] = [];
    // The statements the Target step showed (`compatibility.ddl`), run as they were shown; replace
    // adds the missing columns to its fresh copy instead.
    const ddl: string[] = [];
    if (!info) {
      for (const sql of compatibility.ddl) await client.query(sql);
      ddl.push(...compatibility.ddl);
    } else {
      if (input.mode === 'replace') {
        replace = await prepareReplace(client, resolved.table, info.oid);
        target = replace.fresh;
      }
      const alter = addColumnsSql(target, compatibility.missing);
      if (alter) {
        await client.query(alter);
        ddl.push(alter);
        addedColumns = compatibility.missing.map((m) => m.column);
      }
      if (input.truncate) {
        // Inside the load's transaction (never with commitEvery): a failed load keeps the old rows.
        const sql = truncateSql(target, info);
        await client.query(sql);
        ddl.push(sql);
      }
    }
    const keyIndex = keyNames.map((k) => columns.findIndex((c) => c.name === k));
    const wmIndex = wmName === null ? null : columns.findIndex((c) => c.name === wmName);
    const shape: MoveShape = {
      target: qualify(target),
      stage: stage.name,
      columns: moveColumns(columns, info),
      key: keyIndex,
      watermark: wmIndex,
      overriding: needsOverriding(columns, info),
    };
    const after = input.mode === 'incremental' ? (input.watermark?.after ?? null) : null;
    if (wmIndex !== null && after !== null)
      await checkWatermark(session, shape.columns[wmIndex]!.castType, after, wmName!);
    const ownNames = replace?.ownNames;
    const move = new Mover(client, shape, keyNames.length > 0 ? 'upsert' : 'append', after, (row) =>
      session.reject([ownNames ? renamed(row, ownNames) : row]),
    );
    mover = move;
    let directRows = () => 0;
    session.outcome = () => ({
      inserted: directRows() + move.inserted,
      updated: move.updated,
      unchanged: move.unchanged,
      skipped: move.skipped,
      superseded: move.superseded,
    });
    const commitEvery =
      !input.dryRun && input.mode !== 'replace' && input.commitEvery ? input.commitEvery : null;
    const chunkRows = input.chunkRows ?? DEFAULT_CHUNK_ROWS;
    const limits = fractionLimits(columns, info);
    const hexBytes = hexBytesColumns(columns, info);

    session.setPhase('loading');
    session.step = 'loading';
    let direct = () => 0;
    if (keyNames.length > 0 && input.duplicateKeys === 'reject') {
      await loadStaged(
        session,
        { shape, columns, mover: move, chunkRows, commitEvery, after, limits, hexBytes },
        input.batches,
        stage,
      );
    } else {
      const kind = keyNames.length > 0 ? 'staged' : 'direct';
      // Rows COPYed in column order (straight into the target, or an upsert's or incremental load's
      // staging table after their ordinal): the source's own COPY text may go as it is, but not for a
      // key whose value cannot be read back from it. A watermark must not be NULL (`notNull`).
      const offer =
        kind === 'direct' ||
        verbatimKeyFunction(
          keyIndex,
          columns.map((c) => c.type),
        ) !== null;
      if (offer && input.verbatim) {
        const existing = new Map(info?.columns.map((c) => [c.name, c.base]) ?? []);
        input.verbatim(
          columns.map((c, i) => {
            const limit = limits[i];
            return {
              base: existing.get(c.name) ?? null,
              rounds: limit !== null,
              ...(limit?.kind === 'decimal' && limit.digits >= 0 ? { decimals: limit.digits } : {}),
              ...(limit?.kind === 'seconds' ? { secondsDigits: limit.digits } : {}),
              ...(i === wmIndex ? { notNull: true } : {}),
            };
          }),
        );
      }
      const watchKeys = keyNames.length > 0;
      const plan = {
        kind,
        shape,
        columns,
        mover: move,
        chunkRows,
        commitEvery,
        watchKeys,
        limits,
        hexBytes,
      } as const;
      direct = (await loadStreaming(session, plan, input.batches, stage, (d) => (directRows = d)))
        .directInserted;
    }
    session.checkBudget(true);
    if (replace) {
      session.setPhase('swapping');
      session.step = 'swapping';
      await replace.swap({
        waiting: (holders) => session.setWaiting(holders),
        signal: input.signal,
        checkCancelled: () => session.checkCancelled(),
      });
    }
    await dropTemp(move, stage);
    if (input.dryRun) {
      await client.query('ROLLBACK');
    } else {
      session.setPhase('committing');
      await session.commit(true);
    }
    inTransaction = false;
    session.setPhase('done');
    return {
      table: resolved.table,
      mode: input.mode,
      dryRun: input.dryRun,
      inserted: direct() + move.inserted,
      updated: move.updated,
      unchanged: move.unchanged,
      skipped: move.skipped,
      superseded: move.superseded,
      rejected: session.rejected,
      rowsRead: session.rowsRead,
      createdTable: info === null,
      truncated: info !== null && input.truncate === true,
      ddl,
      addedColumns,
      compatibility,
      newWatermark: input.mode === 'incremental' ? move.watermark : null,
      committedRows: session.committedRows,
      durationMs: Date.now() - session.started,
    };
  } catch (error) {
    if (inTransaction) {
      await session.settleCancel();
      await client.query('ROLLBACK').catch(() => {});
      // A cancel request landing on the ROLLBACK itself would leave the transaction open: once more.
      if (client.getTransactionStatus() !== 'I') await client.query('ROLLBACK').catch(() => {});
      await dropTemp(mover, stage).catch(() => {});
    }
    const failed = failure(error, input, session, tableText);
    if (!replace || failed.code !== 'LOAD_FAILED') throw failed;
    throw new LoadstoneError(failed.code, replace.ownNames(failed.message), {
      ...(failed.details ? { details: failed.details } : {}),
      cause: error,
    });
  } finally {
    client.off('error', onClientError);
    session.dispose();
  }
}

function failure(error: unknown, input: LoadInput, session: LoadSession, table: string): LoadstoneError {
  const n = (x: number) => x.toLocaleString('en-US');
  const kept =
    session.committedRows > 0
      ? `; ${n(session.committedRows)} rows committed earlier (commitEvery) stay`
      : '';
  const counts: LoadFailureCounts = {
    rowsRead: session.rowsRead,
    rejected: session.rejected,
    committedRows: session.committedRows,
  };
  if (error instanceof LoadstoneError) {
    // A source's own failure (a page the API refused, a pagination loop, a lost source connection):
    // how far the load got goes with it, as with the loader's, so the run does not say it read
    // nothing while rows it read were committed.
    if (loadFailureCounts(error)) return error;
    return new LoadstoneError(error.code, error.message, {
      details: { ...error.details, ...counts },
      ...(error.cause === undefined ? {} : { cause: error.cause }),
    });
  }
  if (
    error instanceof Cancelled ||
    (input.signal?.aborted && (!isPgError(error) || !isRowDataError(error)))
  ) {
    return new LoadstoneError(
      'LOAD_CANCELLED',
      `load into ${table} cancelled; rolled back everything since the last commit${kept}`,
      {
        details: counts,
      },
    );
  }
  if (isConnectionLost(error)) return connectionLost(error, session, input, table, counts);
  return loadFailed(error, `load into ${table} failed`);
}

/** A row the fresh table of a replace refused, its messages naming the table's own objects. */
function renamed(row: RejectedRow, ownNames: (message: string) => string): RejectedRow {
  return { ...row, errors: row.errors.map((e) => ({ ...e, message: ownNames(e.message) })) };
}

/** Drops the temp tables once they may have outlived a commit (commitEvery) or the load is over. */
async function dropTemp(mover: Mover | null, stage: StageTable) {
  await mover?.dispose();
  await stage.drop();
}

async function checkWatermark(
  session: LoadSession,
  type: string,
  after: string | number,
  column: string,
): Promise<void> {
  const client = session.client;
  await client.query('SAVEPOINT loadstone_wm');
  try {
    await client.query(`SELECT $1::${type}`, [after]);
    await client.query('RELEASE SAVEPOINT loadstone_wm');
  } catch (error) {
    await client.query('ROLLBACK TO SAVEPOINT loadstone_wm; RELEASE SAVEPOINT loadstone_wm');
    if (!isPgError(error)) throw error;
    throw new LoadstoneError(
      'SPEC_INVALID',
      `watermark ${JSON.stringify(after)} is not a valid ${type} for column ${column}: ${error.message}`,
    );
  }
}

function validate(input: LoadInput, keyNames: string[], wmName: string | null): void {
  const problems: string[] = [];
  const names = new Set<string>();
  if (input.columns.length === 0) problems.push('no columns to load');
  for (const c of input.columns) {
    if (names.has(c.name)) problems.push(`column ${JSON.stringify(c.name)} is listed twice`);
    names.add(c.name);
    if (c.name === '' || c.name.includes('\0') || Buffer.byteLength(c.name) > MAX_IDENTIFIER_BYTES) {
      problems.push(
        `column name ${JSON.stringify(c.name)} must be 1 to ${MAX_IDENTIFIER_BYTES} bytes without NUL`,
      );
    }
  }
  if ((input.mode === 'upsert' || input.mode === 'incremental') && keyNames.length === 0) {
    problems.push(`mode '${input.mode}' needs key columns`);
  }
  for (const k of keyNames)
    if (!names.has(k)) problems.push(`key column ${JSON.stringify(k)} is not among the loaded columns`);
  if (input.mode === 'incremental') {
    if (wmName === null) problems.push("mode 'incremental' needs a watermark column");
    else if (!names.has(wmName))
      problems.push(`watermark column ${JSON.stringify(wmName)} is not among the loaded columns`);
  }
  if (input.commitEvery !== undefined && !(Number.isInteger(input.commitEvery) && input.commitEvery > 0)) {
    problems.push('commitEvery must be a positive whole number');
  }
  if (input.truncate && input.mode !== 'append') {
    problems.push(`truncate (empty the table first) only applies to mode 'append', not '${input.mode}'`);
  }
  if (input.truncate && input.commitEvery !== undefined && !input.dryRun) {
    problems.push(
      'truncate cannot be combined with commitEvery: a load that failed after a commit would leave the table emptied',
    );
  }
  if (input.chunkRows !== undefined && !(Number.isInteger(input.chunkRows) && input.chunkRows > 0)) {
    problems.push('chunkRows must be a positive whole number');
  }
  if (!(input.maxErrorRate >= 0 && input.maxErrorRate <= 1))
    problems.push('maxErrorRate must be between 0 and 1');
  if (problems.length > 0) {
    throw new LoadstoneError('SPEC_INVALID', `cannot load: ${problems.join('; ')}`, {
      details: { problems },
    });
  }
}
