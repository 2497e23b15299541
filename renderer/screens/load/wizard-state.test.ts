import { describe, expect, it } from 'vitest';
import { jobSpecRefSchema as jobSpecSchema } from '../../../core/common/contract/source-ref.ts';
import {
  buildSpec,
  formatNullTokens,
  fromSavedSpec,
  hasUnsavedJobChanges,
  INITIAL_WIZARD,
  parseNullTokens,
  type WizardAction,
  type WizardState,
  withEncoding,
  wizardReducer,
} from './wizard-state.ts';

const run = (...actions: WizardAction[]): WizardState => actions.reduce(wizardReducer, INITIAL_WIZARD);

/** A file as the engine granted it (the wizard never sees a path). */
const file = (name: string, handle = `f_${name}`) => ({ handle, name, sizeBytes: 100, uploaded: false });

describe('wizard state → job spec', () => {
  it('has no spec before a source is chosen', () => {
    expect(buildSpec(INITIAL_WIZARD, { withTarget: true })).toBeNull();
  });

  it('leaves columns out until one is edited, so every type is inferred', () => {
    const s = run(
      { type: 'source', file: file('a.csv') },
      { type: 'columnOrder', columns: ['id', 'amount'] },
    );
    expect(buildSpec(s, { withTarget: false })).toEqual({
      version: 1,
      source: { handle: 'f_a.csv' },
      format: {},
    });
  });

  it('lists every column in file order once one is edited, with only the edited fields', () => {
    const s = run(
      { type: 'source', file: file('a.csv') },
      { type: 'columnOrder', columns: ['id', 'amount', 'day'] },
      { type: 'column', source: 'amount', patch: { type: 'numeric', decimalSeparator: ',' } },
    );
    expect(buildSpec(s, { withTarget: false })?.columns).toEqual([
      { source: 'id' },
      { source: 'amount', type: 'numeric', decimalSeparator: ',' },
      { source: 'day' },
    ]);
  });

  it('drops a column edit that went back to all defaults', () => {
    const s = run(
      { type: 'source', file: file('a.csv') },
      { type: 'columnOrder', columns: ['id'] },
      { type: 'column', source: 'id', patch: { type: 'text' } },
      { type: 'column', source: 'id', patch: { type: undefined } },
    );
    expect(s.columns).toEqual({});
    expect(buildSpec(s, { withTarget: false })?.columns).toBeUndefined();
  });

  it('forgets column edits when the file is read differently (other columns), not when the encoding changes', () => {
    const base = run(
      { type: 'source', file: file('a.csv') },
      { type: 'columnOrder', columns: ['a'] },
      { type: 'column', source: 'a', patch: { skip: true } },
    );
    expect(
      wizardReducer(base, { type: 'sourceOptions', patch: { encoding: 'windows-1252' } }).columns,
    ).toEqual({
      a: { skip: true },
    });
    expect(wizardReducer(base, { type: 'sourceOptions', patch: { header: false } }).columns).toEqual({});
    expect(wizardReducer(base, { type: 'sourceOptions', patch: { delimiter: ';' } }).columnOrder).toEqual([]);
  });

  it('adds the target only for loads, with key and watermark only where the mode uses them', () => {
    const s = run(
      { type: 'source', file: file('a.csv') },
      {
        type: 'target',
        patch: { table: ' public.t ', mode: 'upsert', key: ['id'], watermark: 'updated_at' },
      },
      { type: 'maxErrorRate', value: 0.5 },
      { type: 'jobName', value: ' nightly ' },
    );
    expect(buildSpec(s, { withTarget: false })?.target).toBeUndefined();
    const spec = buildSpec(s, { withTarget: true });
    expect(spec).toMatchObject({
      name: 'nightly',
      target: { connection: 'local', table: 'public.t', mode: 'upsert', key: ['id'], duplicateKeys: 'last' },
      settings: { maxErrorRate: 0.5 },
    });
    expect(spec?.target?.watermark).toBeUndefined();
    expect(jobSpecSchema.safeParse(spec).success).toBe(true);

    const append = buildSpec(wizardReducer(s, { type: 'target', patch: { mode: 'append' } }), {
      withTarget: true,
    });
    expect(append?.target).toEqual({ connection: 'local', table: 'public.t', mode: 'append' });
  });

  it('empties the table first only for append, and a saved job keeps the choice', () => {
    const s = run(
      { type: 'source', file: file('a.csv') },
      { type: 'target', patch: { table: 't', truncate: true } },
    );
    const spec = buildSpec(s, { withTarget: true });
    expect(spec?.target).toMatchObject({ mode: 'append', truncate: true });
    expect(jobSpecSchema.safeParse(spec).success).toBe(true);
    expect(fromSavedSpec('j', spec!, file('a.csv')).target.truncate).toBe(true);
    const upsert = wizardReducer(s, { type: 'target', patch: { mode: 'upsert', key: ['id'] } });
    expect(buildSpec(upsert, { withTarget: true })?.target).not.toHaveProperty('truncate');
  });

  it('produces a spec the schema rejects when incremental has no watermark (the UI lists the issue)', () => {
    const s = run(
      { type: 'source', file: file('a.csv') },
      { type: 'target', patch: { table: 't', mode: 'incremental', key: ['id'] } },
    );
    const r = jobSpecSchema.safeParse(buildSpec(s, { withTarget: true }));
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.'))).toEqual(['target.watermark']);
  });

  it('invalidates a dry run when anything that changes the load changes, but not for the preview size', () => {
    const s = run(
      { type: 'source', file: file('a.csv') },
      { type: 'target', patch: { table: 't' } },
      { type: 'dryRunStarted', runId: 'r1', specText: '{}' },
    );
    expect(wizardReducer(s, { type: 'previewLimit', value: 1000 }).dryRun).not.toBeNull();
    expect(wizardReducer(s, { type: 'target', patch: { mode: 'replace' } }).dryRun).toBeNull();
    expect(wizardReducer(s, { type: 'format', patch: { dateOrder: 'DMY' } }).dryRun).toBeNull();
  });

  it('opens a saved job at the target step with all its choices, and round-trips it', () => {
    const saved = {
      version: 1 as const,
      name: 'daily',
      source: { delimiter: ';' },
      format: { dateOrder: 'DMY' as const },
      columns: [{ source: 'id' }, { source: 'amount', type: 'numeric' as const, twoDigitYearPivot: 50 }],
      target: { connection: 'wh', table: 'public.c', mode: 'upsert' as const, key: ['id'] },
      settings: { maxErrorRate: 0.25 },
    };
    const s = fromSavedSpec('daily', saved, file('c.csv', 'f_granted'));
    expect(s.step).toBe('target');
    expect(s.openedJob).toBe('daily');
    expect(s.file?.name).toBe('c.csv');
    expect(s.columnOrder).toEqual(['id', 'amount']);
    const again = buildSpec(s, { withTarget: true });
    expect(again).toMatchObject({
      name: 'daily',
      source: { handle: 'f_granted', delimiter: ';' },
      format: saved.format,
      // An option the wizard has no control for is kept, not silently dropped.
      columns: [{ source: 'id' }, { source: 'amount', type: 'numeric', twoDigitYearPivot: 50 }],
      target: { connection: 'wh', table: 'public.c', mode: 'upsert', key: ['id'] },
      settings: { maxErrorRate: 0.25 },
    });
  });

  it('opens a job whose file is gone at the source step, to pick it again', () => {
    const s = fromSavedSpec('daily', { source: { delimiter: ';' }, target: { table: 't' } }, null);
    expect(s.step).toBe('source');
    expect(s.source).toBeNull();
    expect(s.openedJob).toBe('daily');
  });

  it('tells unsaved changes of an opened job: settings or another file, not a fresh grant of the same file', () => {
    const opened = fromSavedSpec(
      'daily',
      { source: {}, target: { table: 't', mode: 'append' } },
      file('c.csv'),
    );
    expect(hasUnsavedJobChanges(opened)).toBe(false);
    // The same file granted again (a new handle) is no change.
    expect(
      hasUnsavedJobChanges(wizardReducer(opened, { type: 'source', file: file('c.csv', 'f_again') })),
    ).toBe(false);
    expect(hasUnsavedJobChanges(wizardReducer(opened, { type: 'source', file: file('d.csv') }))).toBe(true);
    const changed = wizardReducer(opened, { type: 'target', patch: { mode: 'replace' } });
    expect(hasUnsavedJobChanges(changed)).toBe(true);
    expect(hasUnsavedJobChanges(wizardReducer(changed, { type: 'jobSaved', name: 'daily' }))).toBe(false);
    // A new load is never "unsaved changes to a job".
    expect(hasUnsavedJobChanges(run({ type: 'source', file: file('a.csv') }))).toBe(false);
  });
});

describe('null tokens field', () => {
  it('splits on commas, trims, and reads "" as the empty string', () => {
    expect(parseNullTokens(' NULL, N/A ,"",, - ')).toEqual(['NULL', 'N/A', '', '-']);
  });
  it('round-trips', () => {
    expect(parseNullTokens(formatNullTokens(['', 'NULL', 'n/a']))).toEqual(['', 'NULL', 'n/a']);
  });
});

describe('a database source', () => {
  it('becomes the spec source, replaces the file, and a new file puts the file back', () => {
    const source = { kind: 'postgres' as const, connection: 'replica', table: 'crm.customers' };
    const s = run({ type: 'source', file: file('a.csv') }, { type: 'database', source });
    const spec = buildSpec(s, { withTarget: false });
    expect(spec?.source).toEqual(source);
    expect(jobSpecSchema.safeParse(spec).success).toBe(true);
    const back = wizardReducer(s, { type: 'source', file: file('b.csv') });
    expect(back.database).toBeNull();
    expect(buildSpec(back, { withTarget: false })?.source).toEqual({ handle: 'f_b.csv' });
  });

  it('is kept by a saved job: opened at the target step, unchanged until edited', () => {
    const spec = {
      source: { kind: 'postgres' as const, connection: 'replica', query: 'select 1 as x' },
      target: { table: 'x' },
    };
    const opened = fromSavedSpec('nightly', spec, null);
    expect(opened.step).toBe('target');
    expect(opened.database).toEqual(spec.source);
    expect(hasUnsavedJobChanges(opened)).toBe(false);
    const edited = wizardReducer(opened, {
      type: 'database',
      source: { kind: 'postgres', connection: 'replica', table: 'public.t' },
    });
    expect(hasUnsavedJobChanges(edited)).toBe(true);
  });

  it("takes a PostgreSQL database's text encoding into the spec only when set, keeping the column edits", () => {
    const source = { kind: 'postgres' as const, connection: 'legacy', table: 'public.customers' };
    const s = run(
      { type: 'database', source },
      { type: 'columnOrder', columns: ['id', 'name'] },
      { type: 'column', source: 'name', patch: { name: 'full_name' } },
      { type: 'sourceEncoding', encoding: 'windows-1252' },
    );
    const spec = buildSpec(s, { withTarget: false })!;
    expect(spec.source).toEqual({ ...source, encoding: 'windows-1252' });
    expect(jobSpecSchema.safeParse(spec).success).toBe(true);
    expect(s.columns).toEqual({ name: { name: 'full_name' } });
    // Automatic: the spec says nothing.
    const automatic = wizardReducer(s, { type: 'sourceEncoding', encoding: undefined });
    expect(buildSpec(automatic, { withTarget: false })?.source).toEqual(source);
    // Another kind of database takes none.
    const mysql = run(
      { type: 'database', source: { kind: 'mysql', connection: 'm', table: 't' } },
      { type: 'sourceEncoding', encoding: 'latin1' },
    );
    expect(buildSpec(mysql, { withTarget: false })?.source).toEqual({
      kind: 'mysql',
      connection: 'm',
      table: 't',
    });
    expect(withEncoding({ kind: 'mysql', connection: 'm', table: 't' }, 'latin1')).not.toHaveProperty(
      'encoding',
    );
  });

  it('a saved job keeps the encoding, opens with it, and a change of it is a change of the job', () => {
    const spec = {
      source: {
        kind: 'postgres' as const,
        connection: 'legacy',
        table: 'public.customers',
        encoding: 'latin1' as const,
      },
      target: { table: 'customers' },
    };
    const opened = fromSavedSpec('legacy', spec, null);
    expect(opened.database).toEqual(spec.source);
    expect(buildSpec(opened, { withTarget: true })?.source).toEqual(spec.source);
    expect(hasUnsavedJobChanges(opened)).toBe(false);
    const changed = wizardReducer(opened, { type: 'sourceEncoding', encoding: 'windows-1252' });
    expect(hasUnsavedJobChanges(changed)).toBe(true);
  });

  it('an SQLite job is read from its granted file', () => {
    const opened = fromSavedSpec('crm', { source: { kind: 'sqlite', table: 'customers' } }, file('crm.db'));
    expect(opened.database).toEqual({ kind: 'sqlite', table: 'customers', handle: 'f_crm.db' });
    expect(opened.source).toBeNull();
  });
});

describe('an HTTP API source in the wizard', () => {
  const api = {
    kind: 'http' as const,
    url: 'https://api.example.com/v1/orders',
    auth: { type: 'bearer' as const, token: { secret: 's_0123' } },
    records: 'data',
    pagination: { type: 'cursor' as const, cursorPath: 'next_cursor', cursorParam: 'cursor' },
  };

  it('builds a valid spec holding the API source and its secret reference, no file', () => {
    const s = run(
      { type: 'source', file: file('a.csv') },
      { type: 'apiSource', source: api },
      { type: 'target', patch: { table: 'orders' } },
    );
    expect(s.file).toBeNull();
    const spec = buildSpec(s, { withTarget: true })!;
    expect(spec.source).toEqual(api);
    expect(jobSpecSchema.safeParse(spec).success).toBe(true);
  });

  it('a saved job with an API source opens at the target step with its source, unchanged', () => {
    const opened = fromSavedSpec('orders-api', { source: api, target: { table: 'orders' } }, null);
    expect(opened.step).toBe('target');
    expect(opened.source).toEqual(api);
    expect(hasUnsavedJobChanges(opened)).toBe(false);
    const changed = wizardReducer(opened, { type: 'apiSource', source: { ...api, records: 'items' } });
    expect(hasUnsavedJobChanges(changed)).toBe(true);
  });
});

describe('changes on the source step not yet taken as the source', () => {
  it('are flagged until Preview takes them, and a new load or an opened job starts without', () => {
    const s = run({ type: 'sourceEdits', pending: true });
    expect(s.sourceEdits).toBe(true);
    expect(wizardReducer(s, { type: 'sourceEdits', pending: true })).toBe(s);
    expect(wizardReducer(s, { type: 'sourceEdits', pending: false }).sourceEdits).toBe(false);
    expect(wizardReducer(s, { type: 'reset' }).sourceEdits).toBe(false);
  });
});

describe('source forms as left', () => {
  const database = { where: 'warehouse', mode: 'query' as const, query: 'select 1' };

  it('are kept for the wizard they were left in', () => {
    const s = run(
      { type: 'formDrafts', session: 0, patch: { kind: 'database' } },
      { type: 'formDrafts', session: 0, patch: { database } },
    );
    expect(s.drafts).toEqual({ kind: 'database', database });
  });

  it('are dropped by "Start over" and by opening a job, and a form of the earlier wizard cannot bring them back', () => {
    const left = run({ type: 'formDrafts', session: 0, patch: { database } });
    const over = wizardReducer(left, { type: 'reset' });
    expect(over.drafts).toEqual({});
    // The form that was on screen unmounts after the reset: its drafts are the old wizard's.
    expect(
      wizardReducer(over, { type: 'formDrafts', session: left.session, patch: { database } }).drafts,
    ).toEqual({});
    const opened = wizardReducer(left, {
      type: 'openJob',
      name: 'orders',
      spec: { version: 1, source: { path: '/data/orders.csv' } },
      file: null,
    } as WizardAction);
    expect(opened.drafts).toEqual({});
    expect(opened.session).toBe(left.session + 1);
  });
});
