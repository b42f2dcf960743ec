import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** Where `npm run build:console` puts the review console, from this file in `src` or `dist`. */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../console/dist/', import.meta.url));

// The console talks only to this origin; nothing is loaded from anywhere else.
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * Serves the built review console at `/`. It signs in with an API key and calls the API on the
 * same origin, so its files are public. Without a build, `/` says how to make one.
 */
export async function registerConsole(app: FastifyInstance, dir: string | null): Promise<void> {
  const root = dir ?? DEFAULT_CONSOLE_DIR;
  if (!existsSync(join(root, 'index.html'))) {
    app.get('/', async (_request, reply) =>
      reply
        .status(503)
        .type('text/html; charset=utf-8')
        .send(
          `<!doctype html><html lang="en"><title>Undertow console not built</title><body><h1>The review console is not built</h1><p>Run <code>npm run build:console</code> (or set CONSOLE_DIR to a built console) and restart. The API is at <a href="/docs">/docs</a>.</p></body></html>`,
        ),
    );
    app.log.warn({ dir: root }, 'the review console is not built: / answers 503 until `npm run build:console` is run');
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    // swagger-ui registers its own copy for /docs; this one must not decorate the reply again.
    decorateReply: false,
    index: ['index.html'],
    setHeaders(res, path) {
      // Vite names assets by content hash: they never change. The page itself must be fresh.
      res.setHeader('cache-control', path.startsWith(join(root, 'assets')) ? 'public, max-age=31536000, immutable' : 'no-cache');
      res.setHeader('x-content-type-options', 'nosniff');
      if (path.endsWith('.html')) {
        res.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
        res.setHeader('referrer-policy', 'no-referrer');
      }
    },
  });
}
