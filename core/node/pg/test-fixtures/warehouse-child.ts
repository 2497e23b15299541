/**
 * Child process for the local warehouse test: opens the warehouse, runs a query, then either
 * calls stop() or exits without it (as a crashed CLI would). Prints `port=<n> started=<bool>`.
 * Usage: node --import tsx warehouse-child.ts <dataDir> stop|leave
 */
import pg from 'pg';
import { openLocalWarehouse } from '../local-warehouse.ts';

const [dataDir, how] = process.argv.slice(2);
const warehouse = await openLocalWarehouse(dataDir!);
const client = new pg.Client(warehouse.config);
await client.connect();
await client.query('SELECT 1');
await client.end();
process.stdout.write(`port=${warehouse.config.port} started=${warehouse.startedHere}\n`);
if (how === 'stop') await warehouse.stop();
