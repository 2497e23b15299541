// Process entry of `npm run serve` (see serve-command.ts). Exits explicitly: a client connection or a
// timer some library left behind must not keep a stopped host alive.
import { tuneHeapForLoads } from '../runtime/heap.ts';
import { applyPrivateUmask } from '../runtime/private-files.ts';
import { runServe } from './serve-command.ts';

tuneHeapForLoads();
// Uploads, the store and the warehouse hold the operator's data: private whatever creates them.
applyPrivateUmask();

process.exit(await runServe(process.argv.slice(2)));
