import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { type JobSpec, parseJobSpec } from '../../../common/spec/job-spec.ts';
import type { RejectedRow, RowError } from '../../../common/types.ts';
import { KeyedSecretStore } from '../secret-store.ts';

/** A fresh temp folder per test (real files, not `:memory:`). */
export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'loadstone-'));
}

/** A real AES-256-GCM store with a fixed test key. */
export function testSecretStore(): KeyedSecretStore {
  return new KeyedSecretStore(Buffer.alloc(32, 0x5a));
}

export function sampleSpec(
  overrides: Partial<{ path: string; table: string; connection: string }> = {},
): JobSpec {
  return parseJobSpec({
    source: { path: overrides.path ?? '/data/orders.csv' },
    target: { connection: overrides.connection ?? 'local', table: overrides.table ?? 'orders' },
  });
}

/**
 * Deterministic rejected rows over columns id, amount, date, note: odd lines have one error
 * (amount), even lines two (amount, date); every 10th is a parse-stage row-level problem.
 */
export function makeRejects(from: number, count: number): RejectedRow[] {
  const rows: RejectedRow[] = [];
  for (let i = from; i < from + count; i++) {
    const line = i + 2;
    if (i % 10 === 9) {
      rows.push({
        line,
        stage: 'parse',
        raw: { id: String(i), amount: '1' },
        errors: [
          { column: null, value: null, reason: 'too_few_fields', message: 'expected 4 fields, found 2' },
        ],
      });
      continue;
    }
    const raw = { id: String(i), amount: `x${i}`, date: '2024-02-31', note: NOTES[i % NOTES.length]! };
    const errors: RowError[] = [
      {
        column: 'amount',
        value: raw.amount,
        reason: 'invalid_number',
        message: `'${raw.amount}' is not a number`,
      },
    ];
    if (i % 2 === 0) {
      errors.push({
        column: 'date',
        value: raw.date,
        reason: 'impossible_date',
        message: 'February has no 31st',
      });
    }
    rows.push({ line, stage: 'normalize', raw, errors });
  }
  return rows;
}

/** Cell texts that CSV escaping and formula neutralisation must survive. */
export const NOTES = [
  'plain',
  'a,b',
  'say "hi"',
  'two\nlines',
  '=cmd|/C calc',
  '-45.10',
  '@SUM(A1)',
  '',
  'crlf\r\nend',
];

/** A writable that collects what a CLI command prints. */
export function captureStream(): Writable & { text(): string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  return Object.assign(stream, { text: () => Buffer.concat(chunks).toString('utf8') });
}

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** Runs a TypeScript script of this folder in a separate Node process (a real second process). */
export function runChild(
  script: string,
  args: string[],
  onLine?: (line: string) => void,
): Promise<{ code: number | null; stderr: string }> {
  const file = fileURLToPath(new URL(script, import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { cwd: REPO_ROOT });
  let stderr = '';
  let pending = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    let nl = pending.indexOf('\n');
    while (nl >= 0) {
      onLine?.(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
      nl = pending.indexOf('\n');
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

/** RFC 4180 parser for checking exports (quotes, doubled quotes, CRLF). */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"' && field === '') {
      quoted = true;
    } else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else {
      field += c;
    }
  }
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}
