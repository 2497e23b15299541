import { describe, expect, it } from 'vitest';
import { jobSpecSchema } from '../../../core/common/spec/job-spec.ts';
import {
  buildSpec,
  formatNullTokens,
  fromSavedSpec,
  INITIAL_WIZARD,
  parseNullTokens,
  type WizardAction,
  type WizardState,
  wizardReducer,
} from './wizard-state.ts';

const run = (...actions: WizardAction[]): WizardState => actions.reduce(wizardReducer, INITIAL_WIZARD);

describe('wizard state → job spec', () => {
  it('has no spec before a source is chosen', () => {
    expect(buildSpec(INITIAL_WIZARD, { withTarget: true })).toBeNull();
  });

  it('leaves columns out until one is edited, so every type is inferred', () => {
    const s = run(
      { type: 'source', path: '/data/a.csv' },
      { type: 'columnOrder', columns: ['id', 'amount'] },
    );
    expect(buildSpec(s, { withTarget: false })).toEqual({
      version: 1,
      source: { path: '/data/a.csv' },
      format: {},
    });
  });

  it('lists every column in file order once one is edited, with only the edited fields', () => {
    const s = run(
      { type: 'source', path: '/data/a.csv' },
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
      { type: 'source', path: '/a.csv' },
      { type: 'columnOrder', columns: ['id'] },
      { type: 'column', source: 'id', patch: { type: 'text' } },
      { type: 'column', source: 'id', patch: { type: undefined } },
    );
    expect(s.columns).toEqual({});
    expect(buildSpec(s, { withTarget: false })?.columns).toBeUndefined();
  });

  it('forgets column edits when the file is read differently (other columns), not when the encoding changes', () => {
    const base = run(
      { type: 'source', path: '/a.csv' },
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
      { type: 'source', path: '/a.csv' },
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

  it('produces a spec the schema rejects when incremental has no watermark (the UI lists the issue)', () => {
    const s = run(
      { type: 'source', path: '/a.csv' },
      { type: 'target', patch: { table: 't', mode: 'incremental', key: ['id'] } },
    );
    const r = jobSpecSchema.safeParse(buildSpec(s, { withTarget: true }));
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.'))).toEqual(['target.watermark']);
  });

  it('invalidates a dry run when anything that changes the load changes, but not for the preview size', () => {
    const s = run(
      { type: 'source', path: '/a.csv' },
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
      source: { path: '/in/c.csv', delimiter: ';' },
      format: { dateOrder: 'DMY' as const },
      columns: [{ source: 'id' }, { source: 'amount', type: 'numeric' as const, twoDigitYearPivot: 50 }],
      target: { connection: 'wh', table: 'public.c', mode: 'upsert' as const, key: ['id'] },
      settings: { maxErrorRate: 0.25 },
    };
    const s = fromSavedSpec('daily', saved);
    expect(s.step).toBe('target');
    expect(s.openedJob).toBe('daily');
    expect(s.columnOrder).toEqual(['id', 'amount']);
    const again = buildSpec(s, { withTarget: true });
    expect(again).toMatchObject({
      name: 'daily',
      source: saved.source,
      format: saved.format,
      // An option the wizard has no control for is kept, not silently dropped.
      columns: [{ source: 'id' }, { source: 'amount', type: 'numeric', twoDigitYearPivot: 50 }],
      target: { connection: 'wh', table: 'public.c', mode: 'upsert', key: ['id'] },
      settings: { maxErrorRate: 0.25 },
    });
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
