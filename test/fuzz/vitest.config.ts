import { defineConfig } from 'vitest/config';

/**
 * The fuzz suite (`npm run test:fuzz`): fast-check against both APIs through `app.inject`, on
 * the private redis-server of the global setup and a PostgreSQL schema (or PGlite).
 * `FUZZ_RUNS_SCALE` multiplies every property's number of runs.
 */
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/fuzz/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
