import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import type { RawValue } from '../../../common/types.ts';
import { type BatchWorkerChannel, waitForRoom, workerError } from '../database/batch-worker.ts';
import { CopyRuns, type FieldWriter, fieldWriters } from '../database/copy-rows.ts';
import type { TextRows } from '../database/database-source.ts';
import type { VerbatimColumn } from '../verbatim-rows.ts';
import { connectMysql } from './mysql-connection.ts';
import { startRowQueue } from './mysql-row-queue.ts';
import type { MysqlConnectionConfig } from './mysql-url.ts';
import type { MysqlField } from './mysql-values.ts';

// The worker thread of a MySQL read (see mysql-source.ts): connects on its own, runs the statement
// and hands the loading thread its column metadata, then batches of rows: runs of rows written as
// COPY text (database/copy-rows.ts) as bytes, moved, not copied; the other rows as mysql2's values. mysql2's parsing of the rows (most of a MySQL load's CPU time on the loading
// thread) happens here.

/** What the loading thread gives the worker. */
export interface MysqlWorkerInput {
  config: MysqlConnectionConfig;
  label: string;
  statementTimeoutMs: number | undefined;
  sql: string;
  values: unknown[];
  perFieldCallback: boolean;
  rowsPerMessage: number;
}

/** A field's metadata as it crosses to the loading thread. */
function plainField(f: MysqlField): MysqlField {
  return {
    name: f.name,
    columnType: f.columnType,
    columnLength: f.columnLength,
    flags: f.flags,
    characterSet: f.characterSet,
    ...(f.extendedFormat === undefined ? {} : { extendedFormat: f.extendedFormat }),
  };
}

async function run(input: MysqlWorkerInput & BatchWorkerChannel): Promise<void> {
  const port = parentPort!;
  const conn = await connectMysql(input.config, input.label, input.statementTimeoutMs);
  let finished = false;
  try {
    const started = await startRowQueue(
      conn,
      input.sql,
      input.values,
      input.label,
      input.rowsPerMessage,
      input.perFieldCallback,
    );
    const fields = started.fields.map(plainField);
    port.postMessage({ fields });
    let writers: FieldWriter[] | null = null;
    let lastBytes = 64 * 1024;
    for (;;) {
      const offered = receiveMessageOnPort(input.port);
      if (offered) writers = fieldWriters(offered.message as VerbatimColumn[]);
      const cells = await started.next();
      if (cells === null) break;
      const out: TextRows = { values: [], texts: [], starts: [], ends: [], counts: [] };
      const runs = writers ? new CopyRuns(writers, Math.ceil(lastBytes * 1.25)) : null;
      const endRun = () => {
        const written = runs?.endRun();
        if (!written) return;
        out.values.push([]);
        out.texts.push(written.bytes);
        out.starts.push(written.start);
        out.ends.push(written.end);
        out.counts!.push(written.rows);
      };
      for (const row of cells) {
        if (runs?.write(row)) continue;
        endRun();
        // As mysql2 gave them: the loading thread converts them (a JsonText would arrive as a plain
        // object, a Buffer as a Uint8Array).
        out.values.push(row as RawValue[]);
        out.texts.push('');
        out.starts.push(0);
        out.ends.push(0);
        out.counts!.push(1);
      }
      endRun();
      if (runs) lastBytes = Math.max(1024, runs.used);
      if (!waitForRoom(input)) return;
      const moved = new Set<ArrayBuffer>();
      for (const text of out.texts) if (typeof text !== 'string') moved.add(text.buffer as ArrayBuffer);
      port.postMessage({ rows: out }, [...moved]);
    }
    finished = true;
    port.postMessage({ done: true });
  } finally {
    // A read to its end says goodbye (no "aborted connection" in the server's log); any other close cuts.
    if (finished) await new Promise<void>((resolve) => conn.end(() => resolve()));
    else conn.destroy();
  }
}

if (parentPort && workerData) {
  run(workerData as MysqlWorkerInput & BatchWorkerChannel).catch((error: unknown) => {
    parentPort!.postMessage({ error: workerError(error) });
  });
}
