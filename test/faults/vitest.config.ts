import { defineConfig } from 'vitest/config';

/**
 * The fault suite (`npm run test:faults`): each file starts its own redis-server, PostgreSQL
 * cluster and service processes, breaks one of them mid-stream and reconciles. Files run one
 * at a time so that their timings do not disturb each other.
 */
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/faults/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
