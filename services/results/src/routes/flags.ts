import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DecisionInput, FLAG_STATUSES, NotFoundError } from '@undertow/core';
import type { ResultsContext } from '../context.js';

const IdParams = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,18}$' }) });

const FlagQuery = Type.Object(
  {
    status: Type.Optional(Type.Union(FLAG_STATUSES.map((s) => Type.Literal(s)))),
    patternId: Type.Optional(Type.String({ maxLength: 64 })),
    tier: Type.Optional(Type.Union([Type.Literal('review'), Type.Literal('priority')])),
    minScore: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    source: Type.Optional(Type.String({ maxLength: 256 })),
    community: Type.Optional(Type.String({ maxLength: 256 })),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    sort: Type.Optional(Type.Union([Type.Literal('score'), Type.Literal('time')], { default: 'score' })),
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  },
  { additionalProperties: false },
);

export function flagRoutes(ctx: ResultsContext): FastifyPluginAsyncTypebox {
  const { flags, posts, patterns } = ctx.store;
  return async (app) => {
    app.get('/v1/flags', { schema: { summary: 'The flagged queue, filtered and sorted, with cursor pagination', querystring: FlagQuery } }, async (request) => {
      const { sort = 'score', cursor, limit = 50, ...filter } = request.query;
      return flags.list(filter, sort, cursor, limit);
    });

    app.get('/v1/flags/:id', { schema: { summary: 'A flag with its post, every signal and the matched passage with spans', params: IdParams } }, async (request) => {
      const flag = await flags.get(request.params.id);
      if (!flag) throw new NotFoundError('flag', request.params.id);
      const [post, pattern] = await Promise.all([posts.getById(flag.postId), patterns.get(flag.patternId)]);
      return {
        ...flag,
        post: post && { ...post, minhash: undefined },
        pattern: pattern && { id: pattern.id, name: pattern.name, kind: pattern.kind, version: pattern.version, tags: pattern.tags },
      };
    });

    app.post(
      '/v1/flags/:id/decision',
      { schema: { summary: 'Confirm, dismiss or escalate a flag; written to the append-only event log', params: IdParams, body: DecisionInput } },
      async (request) => {
        const actor = request.headers['x-actor'];
        return flags.decide(request.params.id, request.body, typeof actor === 'string' && actor ? actor.slice(0, 100) : 'anonymous');
      },
    );

    app.get('/v1/flags/:id/events', { schema: { summary: "A flag's audit log, oldest first", params: IdParams } }, async (request) => {
      const flag = await flags.get(request.params.id);
      if (!flag) throw new NotFoundError('flag', request.params.id);
      return { items: await flags.events(request.params.id) };
    });
  };
}
