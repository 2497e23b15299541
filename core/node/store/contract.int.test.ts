import { describe, expect, it } from 'vitest';
import { commands } from '../../common/contract/commands.ts';
import { JsonNumber } from '../../common/types.ts';
import { sourceNaming } from '../handlers/source-naming.ts';
import { openStore } from './open-store.ts';
import { makeRejects, sampleSpec, tempDir, testSecretStore } from './test-fixtures/support.ts';

// The store's results are what the handlers return as is (a run with how its source is named,
// `sourceNaming`, added): they must satisfy the contract.
describe('store results match the UI contract', () => {
  it('runs, reports, settings', () => {
    const dir = tempDir();
    const store = openStore(dir, { secretStore: testSecretStore() });
    const naming = sourceNaming(dir);
    const named = <R extends { source: string }>(r: R) => ({ ...r, ...naming(r.source) });
    const id = store.runs.create({ spec: sampleSpec(), jobName: 'j' });
    store.rejects.writer(id).add([
      ...makeRejects(0, 20),
      {
        line: 99,
        stage: 'load',
        raw: { n: new JsonNumber('1.50') },
        errors: [
          { column: 'n', value: '1.50', reason: 'database_rejected', message: 'no', sqlstate: '23514' },
        ],
      },
    ]);
    store.runs.finish(id, { status: 'succeeded' });
    expect(() => commands['runs.list'].output.parse(store.runs.list().map(named))).not.toThrow();
    expect(() => commands['runs.get'].output.parse(named(store.runs.get(id)!))).not.toThrow();
    expect(() => commands['reports.page'].output.parse(store.reports.page(id, { limit: 100 }))).not.toThrow();
    expect(() => commands['reports.summary'].output.parse(store.reports.summary(id))).not.toThrow();
    expect(() => commands['settings.set'].input.parse(store.settings.get())).not.toThrow();
    store.close();
  });
});
