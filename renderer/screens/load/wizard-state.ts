import type { z } from 'zod';
import { type AlertRules, DEFAULT_ALERT_TRIGGERS } from '../../../core/common/alerts/rules.ts';
import type { GrantedFileDto } from '../../../core/common/contract/shared-schemas.ts';
import type {
  FileSourceRef,
  JobSpecRefInput,
  SavedJobSpec,
  SourceOptions,
  SourceRef,
} from '../../../core/common/contract/source-ref.ts';
import type { httpSourceSpecSchema } from '../../../core/common/spec/http-source.ts';
import type { ColumnSpec, DateOrder, FormatOptions, TargetSpec } from '../../../core/common/spec/job-spec.ts';
import type { ColumnType } from '../../../core/common/types.ts';
import type { Draft, HeldSecret } from './api-source-draft.ts';

/** An HTTP API source as the wizard builds it: secrets are references (`{ "secret": id }`), never values. */
export type ApiSource = z.input<typeof httpSourceSpecSchema>;

/** What the wizard reads: a picked file (by its handle) or an HTTP API. */
export type WizardSource = FileSourceRef | ApiSource;

/** Whether the wizard's source is an HTTP API. */
export function isApiSource(source: WizardSource | null): source is ApiSource {
  return source !== null && 'kind' in source && source.kind === 'http';
}

/** The wizard's file source, when it reads a file. */
export function fileSource(source: WizardSource | null): FileSourceRef | null {
  return source === null || isApiSource(source) ? null : source;
}

/** The wizard's steps, in order. */
export const WIZARD_STEPS = ['source', 'columns', 'target', 'plan', 'load'] as const;
export type WizardStep = (typeof WIZARD_STEPS)[number];

/** What the operator changed on one column (absent fields: inferred / job default). */
export interface ColumnEdit {
  name?: string;
  type?: ColumnType;
  skip?: boolean;
  dateOrder?: DateOrder;
  decimalSeparator?: '.' | ',';
  percent?: 'keep' | 'fraction';
  nullTokens?: string[];
  timeZone?: string;
  /** Text as written (true) or read like a CSV cell (false); absent: as the source decides. */
  keepText?: boolean;
}

/**
 * The target step's form: the job spec's target (defaults applied) with every field present, since the
 * form shows each one; `key` is [] and `watermark` '' while none is chosen.
 */
export type TargetDraft = Omit<TargetSpec, 'key' | 'watermark'> & { key: string[]; watermark: string };

/** Everything the load wizard holds; the job spec is derived from it. */
export interface WizardState {
  step: WizardStep;
  jobName: string;
  /** The job this wizard was opened from, if any. */
  openedJob: string | null;
  /**
   * What the job held when it was opened (`jobFingerprint`), so that loading changed settings can ask
   * whether to update the job; null for a new load.
   */
  openedFingerprint: string | null;
  /** The file the operator picked (a handle the engine granted, its name, whether it is an upload). */
  file: GrantedFileDto | null;
  /** How to read `file` (its handle and the source options), or the HTTP API to read. */
  source: WizardSource | null;
  /**
   * A database source instead of a file: a saved connection's table or query, or the SQLite file
   * chosen as `file` (by its handle). When set, it is the job's source.
   */
  database: DatabaseSourceRef | null;
  /**
   * The source step's form shows changes that are not the wizard's source yet (a changed URL, an
   * edited query): "Preview rows" takes them; until then the later steps cannot be jumped to, so
   * nothing previews, plans, saves or loads a source other than the one on screen.
   */
  sourceEdits: boolean;
  format: FormatOptions;
  /** Edits keyed by source column. */
  columns: Record<string, ColumnEdit>;
  /** Source columns in file order, as the last preview reported them. */
  columnOrder: string[];
  target: TargetDraft;
  maxErrorRate: number;
  /** The job's own alert rule (null: the default rule in Settings applies, if any). */
  alerts: AlertRules | null;
  previewLimit: number;
  dryRun: { runId: string; specText: string } | null;
  loadRunId: string | null;
  /** Counts "Start over" and opened jobs: a form of an earlier wizard cannot leave its drafts here. */
  session: number;
  /** The source step's forms as left (see `SourceFormDrafts`). */
  drafts: SourceFormDrafts;
}

/**
 * The source step's forms as the operator left them — fields typed but not yet taken as the source
 * (a changed URL, an edited query) — kept while another screen or step is shown, so coming back finds
 * them as left. A typed secret is not kept: it leaves the form only to be saved by the engine.
 */
export interface SourceFormDrafts {
  /** The source kind chosen (File, Database, HTTP API). */
  kind?: 'file' | 'database' | 'http';
  api?: ApiFormDraft;
  database?: DatabaseFormDraft;
}

/** The HTTP API form's fields, and the saved secret it holds with what that secret is for. */
export interface ApiFormDraft {
  draft: Draft;
  held: HeldSecret | undefined;
}

/** The Database form: the connection chosen (or the SQLite choice), table or query, the query typed. */
export interface DatabaseFormDraft {
  where: string;
  mode: 'table' | 'query';
  query: string;
  /** A PostgreSQL connection's text encoding chosen (absent: automatic). */
  encoding?: SourceEncoding;
}

/**
 * What a SQL_ASCII PostgreSQL database's text bytes are (`source.encoding`): such a database keeps
 * any bytes and the server converts none. `latin1` is read as Windows-1252, as for a file.
 */
export const SOURCE_ENCODINGS = ['utf-8', 'windows-1252', 'latin1'] as const;
export type SourceEncoding = (typeof SOURCE_ENCODINGS)[number];

/**
 * A database source with the text encoding chosen: a PostgreSQL one's `encoding` set (or, for
 * automatic, left out: the spec says it only when set); any other kind as it is.
 */
export function withEncoding(
  source: DatabaseSourceRef,
  encoding: SourceEncoding | undefined,
): DatabaseSourceRef {
  if (source.kind !== 'postgres') return source;
  const { encoding: _before, ...rest } = source;
  return encoding === undefined ? rest : { ...rest, encoding };
}

/** A database source as the wizard builds it. */
export type DatabaseSourceRef = Extract<SourceRef, { kind: 'postgres' | 'mysql' | 'sqlite' }>;

/** Whether a source ref names a database (PostgreSQL, MySQL, or an SQLite file by handle). */
export function isDatabaseRef(source: SourceRef | null | undefined): source is DatabaseSourceRef {
  return source?.kind === 'postgres' || source?.kind === 'mysql' || source?.kind === 'sqlite';
}

/** Whether the wizard has a source to preview and load (a file, or a database table or query). */
export function hasSource(state: WizardState): boolean {
  return state.database !== null || state.source !== null;
}

export const INITIAL_TARGET: TargetDraft = {
  connection: 'local',
  table: '',
  mode: 'append',
  key: [],
  watermark: '',
  duplicateKeys: 'last',
  addMissingColumns: false,
  truncate: false,
};

export const INITIAL_WIZARD: WizardState = {
  step: 'source',
  jobName: '',
  openedJob: null,
  openedFingerprint: null,
  file: null,
  source: null,
  database: null,
  sourceEdits: false,
  format: {},
  columns: {},
  columnOrder: [],
  target: INITIAL_TARGET,
  maxErrorRate: 0.05,
  alerts: null,
  previewLimit: 200,
  dryRun: null,
  loadRunId: null,
  session: 0,
  drafts: {},
};

export type WizardAction =
  | { type: 'reset' }
  | { type: 'step'; step: WizardStep }
  | { type: 'source'; file: GrantedFileDto }
  /** An HTTP API source (its secrets already saved, named by id). */
  | { type: 'apiSource'; source: ApiSource }
  | { type: 'sourceOptions'; patch: Partial<SourceOptions> }
  /** A database table or query as the source (null: back to the file). */
  | { type: 'database'; source: DatabaseSourceRef | null }
  /**
   * The text encoding of a PostgreSQL database source (undefined: automatic); the same columns are
   * read, so the column edits stay.
   */
  | { type: 'sourceEncoding'; encoding: SourceEncoding | undefined }
  /** Whether the source step's form shows changes not yet taken as the source. */
  | { type: 'sourceEdits'; pending: boolean }
  | { type: 'format'; patch: Partial<FormatOptions> }
  | { type: 'columnOrder'; columns: string[] }
  | { type: 'column'; source: string; patch: Partial<ColumnEdit> }
  | { type: 'resetColumn'; source: string }
  | { type: 'target'; patch: Partial<TargetDraft> }
  | { type: 'maxErrorRate'; value: number }
  | { type: 'alerts'; value: AlertRules | null }
  | { type: 'previewLimit'; value: number }
  | { type: 'jobName'; value: string }
  | { type: 'dryRunStarted'; runId: string; specText: string }
  | { type: 'loadStarted'; runId: string }
  /** The source step's forms as left; ignored when `session` is not the wizard's (it started over). */
  | { type: 'formDrafts'; session: number; patch: Partial<SourceFormDrafts> }
  /** The opened job was saved with the wizard's settings: they are no longer unsaved changes. */
  | { type: 'jobSaved'; name: string }
  | { type: 'openJob'; name: string; spec: SavedJobSpec; file: GrantedFileDto | null };

/** Source options that change which columns exist; edits keyed by the old columns are dropped. */
const SHAPE_OPTIONS = new Set(['format', 'delimiter', 'quote', 'header', 'sheet']);

/** Removes keys whose value is undefined, so "back to default" leaves no trace in the spec. */
function compact<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = v;
  return out as T;
}

export function wizardReducer(state: WizardState, action: WizardAction): WizardState {
  switch (action.type) {
    case 'reset':
      return { ...INITIAL_WIZARD, session: state.session + 1 };
    case 'formDrafts':
      if (action.session !== state.session) return state;
      return { ...state, drafts: { ...state.drafts, ...action.patch } };
    case 'step':
      return { ...state, step: action.step };
    case 'source':
      if (state.file?.handle === action.file.handle) return state;
      return {
        ...state,
        file: action.file,
        source: { handle: action.file.handle },
        database: null,
        columns: {},
        columnOrder: [],
        dryRun: null,
        loadRunId: null,
      };
    case 'apiSource': {
      const before = isApiSource(state.source) ? state.source : null;
      // The same request reads the same columns: keep the operator's column edits.
      const same =
        before !== null && before.url === action.source.url && before.records === action.source.records;
      return {
        ...state,
        file: null,
        source: action.source,
        columns: same ? state.columns : {},
        columnOrder: same ? state.columnOrder : [],
        dryRun: null,
        loadRunId: null,
      };
    }
    case 'sourceOptions': {
      if (!state.source || isApiSource(state.source)) return state;
      const reshapes = Object.keys(action.patch).some((k) => SHAPE_OPTIONS.has(k));
      return {
        ...state,
        source: compact({ ...state.source, ...action.patch }),
        columns: reshapes ? {} : state.columns,
        columnOrder: reshapes ? [] : state.columnOrder,
        dryRun: null,
      };
    }
    case 'database': {
      if (JSON.stringify(state.database) === JSON.stringify(action.source)) return state;
      return {
        ...state,
        database: action.source,
        columns: {},
        columnOrder: [],
        dryRun: null,
        loadRunId: null,
      };
    }
    case 'sourceEncoding': {
      if (state.database?.kind !== 'postgres') return state;
      const database = withEncoding(state.database, action.encoding);
      if (JSON.stringify(database) === JSON.stringify(state.database)) return state;
      return { ...state, database, dryRun: null, loadRunId: null };
    }
    case 'sourceEdits':
      return state.sourceEdits === action.pending ? state : { ...state, sourceEdits: action.pending };
    case 'format':
      return { ...state, format: compact({ ...state.format, ...action.patch }), dryRun: null };
    case 'columnOrder':
      return sameList(state.columnOrder, action.columns) ? state : { ...state, columnOrder: action.columns };
    case 'column': {
      const edit = compact({ ...state.columns[action.source], ...action.patch });
      const columns = { ...state.columns };
      if (Object.keys(edit).length === 0) delete columns[action.source];
      else columns[action.source] = edit;
      return { ...state, columns, dryRun: null };
    }
    case 'resetColumn': {
      const columns = { ...state.columns };
      delete columns[action.source];
      return { ...state, columns, dryRun: null };
    }
    case 'target':
      return { ...state, target: { ...state.target, ...action.patch }, dryRun: null };
    case 'maxErrorRate':
      return { ...state, maxErrorRate: action.value, dryRun: null };
    case 'alerts':
      return { ...state, alerts: action.value };
    case 'previewLimit':
      return { ...state, previewLimit: action.value };
    case 'jobName':
      return { ...state, jobName: action.value };
    case 'dryRunStarted':
      return { ...state, dryRun: { runId: action.runId, specText: action.specText } };
    case 'loadStarted':
      return { ...state, loadRunId: action.runId, step: 'load' };
    case 'openJob':
      return { ...fromSavedSpec(action.name, action.spec, action.file), session: state.session + 1 };
    case 'jobSaved':
      return action.name === state.openedJob ? { ...state, openedFingerprint: jobFingerprint(state) } : state;
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** The column list of the spec: every known column when any was edited, else none (all inferred). */
function specColumns(state: WizardState): ColumnSpec[] | undefined {
  const edited = Object.keys(state.columns);
  if (edited.length === 0) return undefined;
  // Listing every column keeps the spec explicit about what is loaded, whatever the engine does
  // with columns a partial list leaves out.
  const order = [...state.columnOrder];
  for (const source of edited) if (!order.includes(source)) order.push(source);
  return order.map((source) => compact({ source, ...state.columns[source] }));
}

/** The job spec as it stands: with the target for dry runs, loads and saving; without for the preview. */
export function buildSpec(state: WizardState, options: { withTarget: boolean }): JobSpecRefInput | null {
  const source: JobSpecRefInput['source'] | null = state.database ?? state.source;
  if (!source) return null;
  const spec: JobSpecRefInput = { version: 1, source, format: state.format };
  const columns = specColumns(state);
  if (columns) spec.columns = columns;
  if (options.withTarget) {
    if (state.jobName.trim()) spec.name = state.jobName.trim();
    const t = state.target;
    const needsKey = t.mode === 'upsert' || t.mode === 'incremental';
    spec.target = compact({
      connection: t.connection,
      table: t.table.trim(),
      mode: t.mode,
      key: needsKey ? t.key : undefined,
      watermark: t.mode === 'incremental' && t.watermark ? t.watermark : undefined,
      duplicateKeys: needsKey ? t.duplicateKeys : undefined,
      addMissingColumns: t.addMissingColumns || undefined,
      // Emptying the table applies to append only; the control is hidden for other modes.
      truncate: t.mode === 'append' && t.truncate ? true : undefined,
    });
    spec.settings = { maxErrorRate: state.maxErrorRate };
    if (state.alerts && state.alerts.channels.length > 0) spec.alerts = state.alerts;
  }
  return spec;
}

/** True when the wizard holds a job the operator opened and then changed (file or settings). */
export function hasUnsavedJobChanges(state: WizardState): boolean {
  return (
    state.openedJob !== null &&
    state.openedFingerprint !== null &&
    jobFingerprint(state) !== state.openedFingerprint
  );
}

/**
 * What a load would do, for telling whether the operator changed an opened job: the spec with the
 * file named by what it is (name, size, uploaded), not by its handle, which is new each time it is granted.
 */
export function jobFingerprint(state: WizardState): string | null {
  const spec = buildSpec(state, { withTarget: true });
  if (spec && state.database && state.database.kind !== 'sqlite') {
    const { name: _name, ...rest } = spec;
    return JSON.stringify(rest);
  }
  if (spec && isApiSource(state.source)) {
    const { name: _apiName, ...apiRest } = spec;
    return JSON.stringify(apiRest);
  }
  if (!spec || !state.file) return null;
  const { handle: _handle, ...options } = spec.source as FileSourceRef;
  const { name: _name, ...rest } = spec;
  const file = { name: state.file.name, sizeBytes: state.file.sizeBytes, uploaded: state.file.uploaded };
  return JSON.stringify({ ...rest, source: { ...options, file } });
}

/**
 * Opens a saved job in the wizard, keeping every choice it holds: at the target step, or at the source
 * step when its file cannot be read any more (`file` null: the operator picks it again).
 */
export function fromSavedSpec(name: string, spec: SavedJobSpec, file: GrantedFileDto | null): WizardState {
  const columns: Record<string, ColumnEdit> = {};
  for (const c of spec.columns ?? []) {
    const { source, ...edit } = c;
    // Only the fields the wizard edits; other saved options would otherwise be silently dropped,
    // so they are kept verbatim through the cast below.
    if (Object.keys(edit).length > 0) columns[source] = edit as ColumnEdit;
  }
  const t = spec.target;
  const saved = spec.source as SourceRef | Omit<SourceRef, 'handle'>;
  const kind = 'kind' in saved ? saved.kind : undefined;
  const byConnection = kind === 'postgres' || kind === 'mysql';
  const database: DatabaseSourceRef | null = byConnection
    ? (saved as DatabaseSourceRef)
    : kind === 'sqlite' && file
      ? ({ ...saved, handle: file.handle } as DatabaseSourceRef)
      : null;
  const api = kind === 'http' ? (spec.source as ApiSource) : null;
  const opened: WizardState = {
    ...INITIAL_WIZARD,
    step: file || byConnection || api ? 'target' : 'source',
    jobName: spec.name ?? name,
    openedJob: name,
    file,
    source:
      api ??
      (file && kind !== 'sqlite' && !byConnection
        ? ({ ...spec.source, handle: file.handle } as FileSourceRef)
        : null),
    database,
    format: spec.format ?? {},
    columns,
    columnOrder: (spec.columns ?? []).map((c) => c.source),
    target: t
      ? {
          connection: t.connection ?? 'local',
          table: t.table,
          mode: t.mode ?? 'append',
          key: t.key ?? [],
          watermark: t.watermark ?? '',
          duplicateKeys: t.duplicateKeys ?? 'last',
          addMissingColumns: t.addMissingColumns ?? false,
          truncate: t.truncate ?? false,
        }
      : INITIAL_TARGET,
    maxErrorRate: spec.settings?.maxErrorRate ?? INITIAL_WIZARD.maxErrorRate,
    alerts: spec.alerts ? { ...spec.alerts, on: spec.alerts.on ?? [...DEFAULT_ALERT_TRIGGERS] } : null,
  };
  return { ...opened, openedFingerprint: jobFingerprint(opened) };
}

/** Parses the null-token field: comma-separated, each token trimmed; `""` stands for the empty string. */
export function parseNullTokens(text: string): string[] {
  return text
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0)
    .map((t) => (t === '""' ? '' : t));
}

/** The inverse of parseNullTokens, for showing tokens in the input. */
export function formatNullTokens(tokens: readonly string[]): string {
  return tokens.map((t) => (t === '' ? '""' : t)).join(', ');
}
