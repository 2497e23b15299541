#!/usr/bin/env node
// Runs the TypeScript CLI directly through tsx's loader, so `npx loadstone` needs no build step.
import { register } from 'tsx/esm/api';

register();
// Before any load allocates: keeps peak RSS near the live size (see core/node/runtime/heap.ts).
const { tuneHeapForLoads } = await import('../core/node/runtime/heap.ts');
tuneHeapForLoads();
const { main } = await import('../core/node/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
