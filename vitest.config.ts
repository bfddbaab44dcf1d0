import { defineConfig } from 'vitest/config';

// Two projects: fast package tests, and end-to-end tests that start the real server,
// real Postgres, real git and (where present) the real Docker engine.
export default defineConfig({
  test: {
    // Two cores: one worker per core. End-to-end files each start their own server.
    maxWorkers: 2,
    // Compiles the server and CLI before any test; removes whatever the tests left behind after the last.
    globalSetup: ['test/support/global-setup.ts'],
    minWorkers: 1,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          pool: 'forks',
        },
      },
    ],
  },
});
