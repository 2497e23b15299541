import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['core/**/*.test.ts', 'renderer/**/*.test.ts', 'electron/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // One embedded PostgreSQL server for the run; tests get its URL with inject('pgUrl').
    globalSetup: ['core/node/pg/vitest-global-setup.ts'],
  },
});
