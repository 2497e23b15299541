// A second process for the tests: opens the store, starts a run, and either exits without
// finishing it (as a killed app would) or writes rejected rows in batches, reporting each commit.

import { openStore } from '../open-store.ts';
import { makeRejects, sampleSpec, testSecretStore } from './support.ts';

const [mode, dir, batchesText] = process.argv.slice(2);
const store = openStore(dir!, { secretStore: testSecretStore() });
const runId = store.runs.create({ spec: sampleSpec(), sourceColumns: ['id', 'amount', 'date', 'note'] });
process.stdout.write(`run ${runId}\n`);
if (mode === 'abandon') {
  // No finish, no close: the process just ends, like a crash.
  process.exit(0);
}
const batches = Number(batchesText ?? '20');
const writer = store.rejects.writer(runId, { batchSize: 1000 });
for (let b = 0; b < batches; b++) {
  writer.add(makeRejects(b * 1000, 1000));
  process.stdout.write(`committed ${writer.written}\n`);
  // Pause between commits, as a loader parsing its next batch would, so reads interleave.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
}
store.runs.finish(runId, { status: 'succeeded', counts: { read: batches * 1000 } });
store.close();
process.stdout.write('done\n');
