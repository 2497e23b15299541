import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LoadstoneError } from '../../common/errors.ts';
import { alertFlags, jobFromOptions } from './job-options.ts';

const dir = mkdtempSync(join(tmpdir(), 'loadstone-job-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function specFile(name: string, spec: unknown): string {
  writeFileSync(join(dir, name), JSON.stringify(spec));
  return name;
}

async function failure(run: Promise<unknown>): Promise<{ code: string; message: string }> {
  const error = await run.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LoadstoneError);
  const { code, message } = error as LoadstoneError;
  return { code, message };
}

describe('jobFromOptions', () => {
  it('puts flags over the spec file, resolves its relative path from its folder, and validates', async () => {
    const spec = specFile('job.json', {
      name: 'orders',
      source: { path: 'in/orders.csv', delimiter: ';' },
      format: { dateOrder: 'DMY', timeZone: 'Europe/Paris' },
      target: { table: 'orders', mode: 'upsert', key: ['id'] },
      settings: { maxErrors: 5 },
    });
    const job = await jobFromOptions(
      undefined,
      { spec, delimiter: '\\t', 'date-order': 'MDY', format: 'tsv', 'sample-size': '50' },
      dir,
      { target: { table: 'orders_copy' }, settings: { maxErrorRate: 0.5 } },
    );
    expect(job.source).toEqual({ path: join(dir, 'in/orders.csv'), delimiter: '\t', format: 'tsv' });
    expect(job.format).toEqual({ dateOrder: 'MDY', timeZone: 'Europe/Paris' });
    expect(job.target).toMatchObject({
      table: 'orders_copy',
      mode: 'upsert',
      key: ['id'],
      connection: 'local',
    });
    expect(job.settings).toEqual({ maxErrors: 5, maxErrorRate: 0.5, sampleSize: 50 });
    expect(job.name).toBe('orders');
  });

  it('a file argument without a spec is a spec with defaults; preview needs no target', async () => {
    const job = await jobFromOptions('data.csv', { header: true }, dir);
    expect(job.source).toEqual({ path: join(dir, 'data.csv'), header: true });
    expect(job.target).toBeUndefined();
  });

  it('refuses what is missing or out of its choices as bad usage, naming the flag', async () => {
    expect(await failure(jobFromOptions(undefined, {}, dir))).toMatchObject({
      code: 'BAD_USAGE',
      message:
        'no source: give a file, an SQLite file or database URL with --source-table/--query, or a --spec with source.path',
    });
    expect(await failure(jobFromOptions('a.csv', {}, dir, { target: {}, settings: {} }))).toMatchObject({
      code: 'BAD_USAGE',
      message: "--table is required (see 'loadstone load --help')",
    });
    expect(await failure(jobFromOptions('a.csv', { format: 'parquet' }, dir))).toMatchObject({
      code: 'BAD_USAGE',
      message: "--format must be one of csv, tsv, json, ndjson, xlsx, got 'parquet'",
    });
  });

  it('reports a spec file that is not JSON, not an object, or invalid with the flags applied', async () => {
    writeFileSync(join(dir, 'broken.json'), '{ "source": ');
    expect(await failure(jobFromOptions(undefined, { spec: 'broken.json' }, dir))).toMatchObject({
      code: 'SPEC_INVALID',
      message: expect.stringContaining('is not valid JSON'),
    });
    const list = specFile('list.json', []);
    expect((await failure(jobFromOptions(undefined, { spec: list }, dir))).message).toMatch(
      /must be a JSON object$/,
    );
    // A part that is not an object is not replaced by flags: validation names it.
    const odd = specFile('odd.json', { source: 'orders.csv' });
    const invalid = await failure(jobFromOptions('orders.csv', { spec: odd }, dir));
    expect(invalid.code).toBe('SPEC_INVALID');
    expect(invalid.message).toMatch(/^job spec is invalid \(1 problem\):\n {2}source: /);
  });

  it('alert flags: channels, triggers and warning rate over the spec file, each bad one named', async () => {
    expect(alertFlags({})).toBeUndefined();
    expect(
      alertFlags({ alert: 'ops, team', 'alert-on': 'failure,warning', 'warn-error-rate': '0.01' }),
    ).toEqual({
      channels: ['ops', 'team'],
      on: ['failure', 'warning'],
      warnErrorRate: 0.01,
    });
    expect(() => alertFlags({ alert: 'ops,' })).toThrow("--alert has an empty channel name: 'ops,'");
    expect(() => alertFlags({ 'warn-error-rate': '2' })).toThrow(
      '--warn-error-rate must be a number from 0 to 1',
    );
    const withAlerts = specFile('alerts.json', {
      source: { path: 'orders.csv' },
      alerts: { channels: ['ops'], on: ['failure'] },
    });
    const spec = await jobFromOptions(undefined, { spec: withAlerts }, dir, {
      target: { table: 't' },
      settings: {},
      alerts: alertFlags({ 'warn-error-rate': '0.001' }),
    });
    expect(spec.alerts).toEqual({ channels: ['ops'], on: ['failure'], warnErrorRate: 0.001 });
    expect(
      (
        await failure(
          jobFromOptions('orders.csv', {}, dir, {
            target: { table: 't' },
            settings: {},
            alerts: { on: ['failure'] },
          }),
        )
      ).message,
    ).toBe('--alert-on and --warn-error-rate need --alert NAME (or alerts.channels in the spec)');
  });
});
