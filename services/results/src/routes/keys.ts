import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApiKeyInput, ConflictError, NotFoundError } from '@undertow/core';
import type { ResultsContext } from '../context.js';

const IdParams = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,18}$' }) });

export const ApiKeyView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: Type.String(),
  prefix: Type.String({ description: "The key's first characters, to tell keys apart" }),
  rateLimit: Type.Union([Type.Integer(), Type.Null()], { description: "Requests per minute; null: the role's default" }),
  createdAt: Type.String(),
  createdBy: Type.Union([Type.String(), Type.Null()]),
  lastUsedAt: Type.Union([Type.String(), Type.Null()]),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
});

/** API keys: made, listed and revoked by admins. Only a hash of each key is stored. */
export function keyRoutes(ctx: ResultsContext): FastifyPluginAsyncTypebox {
  const { apiKeys } = ctx.store;
  return async (app) => {
    app.post(
      '/v1/keys',
      {
        config: { access: 'admin' },
        schema: {
          summary: 'Make an API key. The answer holds the key itself, which is shown this once and never again',
          body: ApiKeyInput,
          response: { 201: Type.Object({ key: ApiKeyView, secret: Type.String() }) },
        },
      },
      async (request, reply) => {
        const created = await apiKeys.create({ ...request.body, createdBy: request.apiKey!.name });
        return reply.status(201).header('location', `/v1/keys/${created.key.id}`).send(created);
      },
    );

    app.get(
      '/v1/keys',
      {
        config: { access: 'admin' },
        schema: {
          summary: 'List API keys, newest first (never the keys themselves)',
          querystring: Type.Object({ includeRevoked: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
          response: { 200: Type.Object({ items: Type.Array(ApiKeyView) }) },
        },
      },
      async (request) => ({ items: await apiKeys.list({ includeRevoked: request.query.includeRevoked ?? false }) }),
    );

    app.get(
      '/v1/keys/:id',
      { config: { access: 'admin' }, schema: { summary: 'One API key', params: IdParams, response: { 200: ApiKeyView } } },
      async (request) => {
        const key = await apiKeys.get(request.params.id);
        if (!key) throw new NotFoundError('api key', request.params.id);
        return key;
      },
    );

    app.delete(
      '/v1/keys/:id',
      {
        config: { access: 'admin' },
        schema: {
          summary: 'Revoke an API key: it stops working within seconds. The last admin key cannot be revoked',
          params: IdParams,
          response: { 200: ApiKeyView },
        },
      },
      async (request) => {
        const key = await apiKeys.get(request.params.id);
        if (!key) throw new NotFoundError('api key', request.params.id);
        if (key.role === 'admin' && key.revokedAt === null) {
          const admins = (await apiKeys.list()).filter((k) => k.role === 'admin');
          if (admins.length <= 1) throw new ConflictError('this is the last admin key: make another admin key before revoking it');
        }
        return apiKeys.revoke(request.params.id);
      },
    );
  };
}
