import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/** OpenAPI generated from the routes' TypeBox schemas, served at `/docs` (JSON at `/docs/json`). */
export async function registerDocs(app: FastifyInstance, info: { title: string; description: string; version: string }): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info,
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
}
