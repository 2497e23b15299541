import path from 'node:path';
import type { AlertEvent } from '../../common/alerts/rules.ts';
import { scrubSecrets } from '../handlers/scrub.ts';
import type { RunRecord } from '../store/types.ts';

/** Reasons listed in a message: the most frequent ones. */
export const TOP_REASONS = 5;

/** One reason rows were rejected, with its count; `example` only when the channel includes a sample. */
export interface AlertReason {
  reason: string;
  column: string | null;
  count: number;
  example?: string | null;
}

/**
 * What every channel is told, before it is shaped for that channel. The generic webhook sends it as
 * its JSON body, as is. No cell value is in it unless the channel includes a sample (`example`).
 */
export interface AlertMessage {
  type: AlertEvent;
  /** The run (null for a schedule problem that has none, and for a test message). */
  runId: string | null;
  /** The job's name, or `<file> → <table>` for a load that has none. */
  job: string;
  /** The run's status (`succeeded`, `failed`, `interrupted`, …), or the schedule problem's kind. */
  status: string;
  /** The target as it is safe to show: `local`, a saved connection name, or a URL without password. */
  target: string | null;
  table: string | null;
  /** read; loaded = inserted + updated; rejected. */
  counts: { read: number; loaded: number; rejected: number };
  /** rejected / read (0 when nothing was read). */
  rejectedRate: number;
  durationMs: number | null;
  error: { code: string; message: string } | null;
  reasons: AlertReason[];
  /** How to open the run's report: the app's route, and the CLI command. */
  open: { app: string | null; cli: string | null };
  /** Problems of this job that were not sent separately since the last message (cooldown). */
  suppressed: number;
  /** A schedule problem's kind and detail. */
  schedule?: { kind: string; detail: string };
  /** When the event happened (ISO 8601). */
  at: string;
}

/** Where a run's report opens: a route in the desktop app (`#/runs/<id>`) and a CLI command. */
export function openLinks(runId: string | null): AlertMessage['open'] {
  if (runId === null) return { app: null, cli: null };
  return { app: `#/runs/${encodeURIComponent(runId)}`, cli: `loadstone errors ${runId}` };
}

/** The name a run's alerts go by, and the key its cooldown is counted under. */
export function jobOf(run: Pick<RunRecord, 'jobName' | 'source' | 'table' | 'target'>): string {
  return run.jobName ?? `${path.basename(run.source)} → ${run.table}`;
}

/** Builds the message of a recorded run. */
export function runMessage(
  type: AlertEvent,
  run: RunRecord,
  reasons: AlertReason[],
  at: string,
): AlertMessage {
  const c = run.counts;
  return {
    type,
    runId: run.id,
    job: jobOf(run),
    status: run.status,
    target: run.target,
    table: run.table,
    counts: { read: c.read, loaded: c.inserted + c.updated, rejected: c.rejected },
    rejectedRate: c.read > 0 ? c.rejected / c.read : 0,
    durationMs: run.durationMs,
    // Run errors are recorded without secrets; scrubbed again: this leaves the machine.
    error:
      run.errorCode || run.error
        ? { code: run.errorCode ?? 'unknown', message: scrubSecrets(run.error ?? '') }
        : null,
    reasons,
    open: openLinks(run.id),
    suppressed: 0,
    at,
  };
}

const HEADLINES: Record<AlertEvent, string> = {
  'run.failed': 'Load failed',
  'run.aborted': 'Load aborted by the error threshold',
  'run.warning': 'Load finished with rejected rows above the warning rate',
  'run.succeeded': 'Load succeeded',
  'run.interrupted': 'Load interrupted',
  'schedule.missed': 'Scheduled run did not start',
  'schedule.overran': 'Scheduled run overran its maximum time',
  'schedule.failed_to_start': 'Scheduled run failed to start',
  'alert.test': 'Test message from Loadstone',
};

/** `Load failed: nightly-orders`. */
export function headline(m: AlertMessage): string {
  return `${HEADLINES[m.type]}: ${m.job}`;
}

/** `850 ms`, `12.3 s`, `4 min 05 s`. */
export function durationWords(ms: number | null): string {
  if (ms === null) return 'unknown';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/** A percentage with up to two decimals: `0.5 %`. */
export function percent(rate: number): string {
  return `${Number((rate * 100).toFixed(2))} %`;
}

/**
 * The message as plain lines (desktop notification, Telegram, Slack fallback text): what happened,
 * counts, duration, top reasons, how to open the report. Callers escape for their markup.
 */
export function messageFacts(m: AlertMessage): { label: string; value: string }[] {
  const n = (x: number) => x.toLocaleString('en-US');
  const facts: { label: string; value: string }[] = [{ label: 'Job', value: m.job }];
  if (m.target !== null)
    facts.push({ label: 'Target', value: `${m.target}${m.table ? ` · ${m.table}` : ''}` });
  facts.push({ label: 'Status', value: m.status });
  if (m.runId !== null) {
    facts.push({
      label: 'Rows',
      value: `${n(m.counts.read)} read · ${n(m.counts.loaded)} loaded · ${n(m.counts.rejected)} rejected (${percent(m.rejectedRate)})`,
    });
    facts.push({ label: 'Duration', value: durationWords(m.durationMs) });
  }
  if (m.error) facts.push({ label: 'Error', value: `${m.error.message} [${m.error.code}]` });
  if (m.schedule) facts.push({ label: 'Schedule', value: m.schedule.detail });
  if (m.suppressed > 0)
    facts.push({
      label: 'Also',
      value: `${m.suppressed} more problem${m.suppressed === 1 ? '' : 's'} of this job since the last alert (cooldown)`,
    });
  if (m.runId !== null) facts.push({ label: 'Run', value: m.runId });
  return facts;
}

/** `invalid_date in order_date: 12` (and the example, when the channel includes a sample). */
export function reasonLine(r: AlertReason): string {
  const where = r.column === null ? r.reason : `${r.reason} in ${r.column}`;
  const example = r.example === undefined ? '' : ` (e.g. ${JSON.stringify(r.example)})`;
  return `${where}: ${r.count.toLocaleString('en-US')}${example}`;
}

/** `Open in Loadstone (#/runs/<id>) or run: loadstone errors <id>`. */
export function openLine(m: AlertMessage): string | null {
  if (m.open.cli === null) return null;
  return `Open the run in Loadstone (${m.open.app}) or run: ${m.open.cli}`;
}

/** The whole message as plain text lines. */
export function plainText(m: AlertMessage): string {
  const lines = [headline(m), ...messageFacts(m).map((f) => `${f.label}: ${f.value}`)];
  if (m.reasons.length > 0) {
    lines.push('Top reasons:');
    for (const r of m.reasons) lines.push(`  ${reasonLine(r)}`);
  }
  const open = openLine(m);
  if (open) lines.push(open);
  return lines.join('\n');
}
