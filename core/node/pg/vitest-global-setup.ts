import type { TestProject } from 'vitest/node';
import { startTestServer } from './test-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the PostgreSQL server shared by the whole test run (`inject('pgUrl')`). */
    pgUrl: string;
  }
}

/**
 * Vitest global setup: one embedded PostgreSQL server for the whole run (or the external one in
 * `LOADSTONE_TEST_PG_URL`), provided to tests as `pgUrl`; stopped and deleted at teardown.
 * Test files create their own database with `createTestDatabase` so they can run in parallel.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startTestServer();
  project.provide('pgUrl', server.url);
  return () => server.stop();
}
