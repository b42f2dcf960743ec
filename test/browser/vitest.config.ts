import { defineConfig } from 'vitest/config';

/**
 * The browser suite (`npm run test:browser`): the review console in real headless Chromium
 * against the one-process product, on the private redis-server of the global setup.
 * `UPDATE_SCREENSHOTS=1` writes the screenshots to docs/screenshots.
 */
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/browser/**/*.browser.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
  },
});
