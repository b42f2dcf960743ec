import { defineConfig } from 'vite';

/**
 * The review console: Preact compiled by Vite's own JSX transform (no plugin needed), built to
 * dist/ and served by the results service at `/`. In development (`npm run dev -w
 * services/console`) API calls go to a results service on :8081.
 */
export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: true },
  server: { proxy: { '/v1': 'http://127.0.0.1:8081' } },
});
