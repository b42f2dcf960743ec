import type { FastifyPluginAsync } from 'fastify';

/** Liveness (the process answers) and readiness (its dependencies answer). */
export function healthRoutes(checkReady: () => Promise<Record<string, boolean>>): FastifyPluginAsync {
  return async (app) => {
    app.get('/healthz', { schema: { hide: true } }, async () => ({ ok: true }));
    app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
      const checks = await checkReady();
      const ok = Object.values(checks).every(Boolean);
      return reply.status(ok ? 200 : 503).send({ ok, checks });
    });
  };
}
