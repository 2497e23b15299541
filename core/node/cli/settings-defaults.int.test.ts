import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from '../pg/test-server.ts';
import { openStore } from '../store/open-store.ts';
import { tempDir, testSecretStore } from '../store/test-fixtures/support.ts';
import { runCli } from './test-support.ts';

// The Settings screen and the CLI share the data folder: a default date order and time zone saved
// there apply to `preview` and `load` wherever the spec and the flags say nothing.

let url = '';
let client: pg.Client;
const dir = tempDir();

beforeAll(async () => {
  url = await createTestDatabase(inject('pgUrl'), 'cli_settings');
  client = new pg.Client({ connectionString: url });
  await client.connect();
  // 03/04/2024 and 05/06/2024 never settle the order; the times carry no offset.
  writeFileSync(
    join(dir, 'events.csv'),
    'day,at\n03/04/2024,2024-01-15 10:00:00\n05/06/2024,2024-07-15 10:00:00\n',
  );
});
afterAll(async () => {
  await client?.end();
});

/** A data folder whose Settings hold DMY and Europe/Berlin (as the Settings screen saves them). */
function savedSettings(): string {
  const dataDir = tempDir();
  const store = openStore(dataDir, { secretStore: testSecretStore() });
  store.settings.set({ dateOrder: 'DMY', timeZone: 'Europe/Berlin' });
  store.close();
  return dataDir;
}

const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(args, { cwd: dir, env });

async function rows(table: string) {
  const r = await client.query(
    `SELECT day::text AS day, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS at FROM ${table} ORDER BY at`,
  );
  return r.rows;
}

describe('saved Settings apply to the CLI', () => {
  it('preview reads ambiguous dates by the saved order and says where each default came from', async () => {
    const dataDir = savedSettings();
    const r = await cli(['preview', 'events.csv', '--json', '--data-dir', dataDir]);
    expect(r.err).toBe('');
    const out = JSON.parse(r.out);
    expect(out.defaults).toEqual({
      dateOrder: { value: 'DMY', from: 'settings' },
      timeZone: { value: 'Europe/Berlin', from: 'settings' },
    });
    const [day, at] = out.columns;
    expect(day).toMatchObject({
      type: 'date',
      format: { dateOrder: 'DMY' },
      origins: { dateOrder: 'settings' },
    });
    expect(day.warnings[0]).toContain('using DMY (the default date order in Settings)');
    expect(at).toMatchObject({ type: 'timestamptz', origins: { timeZone: 'settings' } });
    expect(out.rows[0].values).toEqual({ day: '2024-04-03', at: '2024-01-15T09:00:00Z' });
    const human = await cli(['preview', 'events.csv', '--data-dir', dataDir]);
    expect(human.out).toContain('Defaults: date order DMY (Settings), time zone Europe/Berlin (Settings)');
  });

  it('load applies them, records them on the run, and a flag still wins', async () => {
    const dataDir = savedSettings();
    const load = await cli([
      'load',
      'events.csv',
      '--target',
      url,
      '--table',
      'ev_settings',
      '--json',
      '--data-dir',
      dataDir,
    ]);
    expect(load.err).toBe('');
    expect(JSON.parse(load.out)).toMatchObject({
      status: 'succeeded',
      inserted: 2,
      warnings: [expect.stringContaining('column day: no value settles the day/month order')],
    });
    expect(await rows('ev_settings')).toEqual([
      { day: '2024-04-03', at: '2024-01-15 09:00' },
      { day: '2024-06-05', at: '2024-07-15 08:00' },
    ]);
    const run = JSON.parse(
      (await cli(['runs', JSON.parse(load.out).runId, '--json', '--data-dir', dataDir])).out,
    );
    // The run keeps the spec as it ran, so it can be repeated as it ran.
    expect(run.spec.format).toMatchObject({ dateOrder: 'DMY', timeZone: 'Europe/Berlin' });
    expect(run.events).toContainEqual(
      expect.objectContaining({
        kind: 'settings_defaults',
        message: 'from Settings: date order DMY, time zone Europe/Berlin',
      }),
    );
    // The values left the order open: the run says which default it used, as the preview does
    // (before, a load said nothing: the default was written into its spec and read as the job's).
    const warnings = run.events.filter((e: { kind: string }) => e.kind === 'column_warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0].message).toContain('column day: ');
    expect(warnings[0].message).toContain('using DMY (the default date order in Settings)');

    const flagged = await cli([
      'load',
      'events.csv',
      '--target',
      url,
      '--table',
      'ev_flag',
      '--date-order',
      'MDY',
      '--time-zone',
      'UTC',
      '--json',
      '--data-dir',
      dataDir,
    ]);
    expect(JSON.parse(flagged.out)).toMatchObject({ status: 'succeeded', inserted: 2 });
    expect(await rows('ev_flag')).toEqual([
      { day: '2024-03-04', at: '2024-01-15 10:00' },
      { day: '2024-05-06', at: '2024-07-15 10:00' },
    ]);
    // The order the job gives is no guess: no warning.
    const flaggedRun = JSON.parse(
      (await cli(['runs', JSON.parse(flagged.out).runId, '--json', '--data-dir', dataDir])).out,
    );
    expect(flaggedRun.events.filter((e: { kind: string }) => e.kind === 'column_warning')).toEqual([]);
  });

  it('with nothing saved the built-in MDY and UTC apply, whatever the machine’s zone', async () => {
    const dataDir = tempDir();
    const load = await cli(
      ['load', 'events.csv', '--target', url, '--table', 'ev_builtin', '--json', '--data-dir', dataDir],
      { TZ: 'Asia/Tokyo' },
    );
    expect(JSON.parse(load.out)).toMatchObject({ status: 'succeeded', inserted: 2 });
    expect(await rows('ev_builtin')).toEqual([
      { day: '2024-03-04', at: '2024-01-15 10:00' },
      { day: '2024-05-06', at: '2024-07-15 10:00' },
    ]);
    // The summary of a load says which order it assumed, where an operator who did not preview sees it.
    const said = await cli([
      'load',
      'events.csv',
      '--target',
      url,
      '--table',
      'ev_builtin',
      '--data-dir',
      dataDir,
    ]);
    expect(said.out).toContain('Warnings (the preview shows them too');
    expect(said.out).toContain(
      "column day: no value settles the day/month order: '03/04/2024' reads both ways; using MDY (the built-in default date order)",
    );
    const fresh = tempDir();
    const preview = JSON.parse((await cli(['preview', 'events.csv', '--json', '--data-dir', fresh])).out);
    // A preview records nothing: no store is created to read settings from.
    expect(existsSync(join(fresh, 'loadstone.db'))).toBe(false);
    expect(preview.defaults).toEqual({
      dateOrder: { value: 'MDY', from: 'built-in' },
      timeZone: { value: 'UTC', from: 'built-in' },
    });
  });
});
