/**
 * The `loadstone` command as a program: what `bin/loadstone.mjs` runs (from a bundle of this file,
 * or through tsx's loader).
 */
import { tuneHeapForLoads } from '../runtime/heap.ts';
import { applyPrivateUmask } from '../runtime/private-files.ts';

// Whatever the CLI or a library creates (store, exports, warehouse files) is the user's alone.
applyPrivateUmask();
// Before any load allocates: keeps peak RSS near the live size (see heap.ts).
tuneHeapForLoads();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
