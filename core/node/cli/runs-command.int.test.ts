import { describe, expect, it } from 'vitest';
import { openStore } from '../store/open-store.ts';
import { makeRejects, sampleSpec, tempDir, testSecretStore } from '../store/test-fixtures/support.ts';
import { EXIT } from './exit-codes.ts';
import { runCli } from './test-support.ts';

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  return runCli(args, { cwd: tempDir(), env });
}

describe('loadstone runs', () => {
  it('says so when nothing was recorded, creating the store on first use', async () => {
    const dir = tempDir();
    const r = await cli(['runs', '--data-dir', dir]);
    expect(r).toMatchObject({ code: EXIT.ok, err: '' });
    expect(r.out).toBe(`No runs recorded in ${dir}/loadstone.db\n`);
    // LOADSTONE_HOME is the default data folder.
    expect((await cli(['runs'], { LOADSTONE_HOME: dir })).out).toContain(dir);
  });

  it('lists recent runs with status and counts, as aligned columns or one JSON document', async () => {
    const dir = tempDir();
    const store = openStore(dir, { secretStore: testSecretStore() });
    const ok = store.runs.create({ spec: sampleSpec({ table: 'orders' }) });
    store.runs.finish(ok, { status: 'succeeded', counts: { read: 1200, inserted: 1190, rejected: 10 } });
    const bad = store.runs.create({
      spec: sampleSpec({ table: 'customers', connection: 'postgres://u:pw@h/db' }),
    });
    store.runs.finish(bad, { status: 'failed', error: { message: 'cannot connect' } });
    const live = store.runs.create({ spec: sampleSpec({ table: 'live' }) });

    const r = await cli(['runs', '--data-dir', dir]);
    expect(r.code).toBe(EXIT.ok);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^run\s+status\s+started\s+took\s+read\s+inserted\s+updated\s+unchanged\s+rejected\s+target$/,
    );
    expect(lines.slice(2).map((l) => l.split(/\s{2,}/)[0])).toEqual([live, bad, ok]);
    expect(lines[2]).toContain('running');
    expect(lines[3]).toContain('failed');
    expect(lines[3]).toContain('customers @ postgres://u:***@h/db');
    expect(lines[4]).toMatch(/succeeded .* 1200\s+1190\s+0\s+0\s+10\s+orders @ local$/);
    // Counts are right-aligned: every line has its `rejected` column end at the same place.
    const ends = lines
      .slice(2)
      .map((l) => l.indexOf(' @ ') - l.slice(0, l.indexOf(' @ ')).split(/\s+/).pop()!.length);
    expect(new Set(ends).size).toBe(1);
    expect(r.out).not.toContain('pw@');

    const json = await cli(['runs', '--json', '--data-dir', dir]);
    expect(JSON.parse(json.out)).toEqual(store.runs.list({ limit: 20 }));
    expect(
      JSON.parse((await cli(['runs', '--json', '--status', 'failed', '--data-dir', dir])).out).map(
        (x: { id: string }) => x.id,
      ),
    ).toEqual([bad]);
    expect(JSON.parse((await cli(['runs', '--json', '--limit', '1', '--data-dir', dir])).out)).toHaveLength(
      1,
    );
    store.close();
  });

  it('shows one run in detail', async () => {
    const dir = tempDir();
    const store = openStore(dir, { secretStore: testSecretStore() });
    const id = store.runs.create({ spec: sampleSpec(), jobName: 'nightly' });
    store.runs.addEvent(id, { kind: 'phase', message: 'loading' });
    store.rejects.writer(id).add(makeRejects(0, 1000));
    store.runs.finish(id, {
      status: 'failed',
      counts: { read: 5000 },
      error: { code: 'LOAD_ABORTED_ERROR_RATE', message: 'too many rejected rows (20%)' },
    });
    store.close();

    const r = await cli(['runs', id, '--data-dir', dir]);
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toContain(`Run     ${id}`);
    expect(r.out).toContain('Job     nightly');
    expect(r.out).toContain(
      'Rows    read 5000, inserted 0, updated 0, unchanged 0, skipped 0, superseded 0, rejected 1000',
    );
    // Never "every row was loaded" for a run that failed.
    expect(r.out).toContain(
      'The load failed after reading 5,000 rows (1,000 rows were rejected); what it had not committed was rolled back.',
    );
    expect(r.out).toContain('Error   too many rejected rows (20%) (LOAD_ABORTED_ERROR_RATE)');
    expect(r.out).toMatch(/Events:\n {2}\S+ \S+ {2}phase {2}loading/);
    expect(r.out).toContain(`loadstone errors ${id}`);
    const json = JSON.parse((await cli(['runs', id, '--json', '--data-dir', dir])).out);
    expect(json).toMatchObject({ id, status: 'failed', events: [{ kind: 'phase' }] });
    // `last` is the newest run, as for `errors last`.
    const last = JSON.parse((await cli(['runs', 'last', '--json', '--data-dir', dir])).out);
    expect(last).toMatchObject({ id });
  });

  it('an unknown run or bad option is exit 2 with one line', async () => {
    const dir = tempDir();
    const unknown = await cli(['runs', 'r_nope', '--data-dir', dir]);
    expect(unknown).toMatchObject({ code: EXIT.usage, out: '' });
    expect(unknown.err).toMatch(/^loadstone: no run 'r_nope' in .*\n$/);
    const bad = await cli(['runs', '--status', 'done', '--data-dir', dir]);
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.err).toContain('--status must be one of running, succeeded, failed, cancelled, interrupted');
    expect((await cli(['runs', '--bogus'])).code).toBe(EXIT.usage);
    expect((await cli(['runs', '--help'])).out).toContain('Usage: loadstone runs');
  });
});
