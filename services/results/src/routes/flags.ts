import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DecisionInput, NotFoundError } from '@undertow/core';
import type { ResultsContext } from '../context.js';
import { FlagSelectionFields, toFlagFilter } from './flag-selection.js';

const IdParams = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,18}$' }) });

const FlagQuery = Type.Object(
  {
    ...FlagSelectionFields,
    sort: Type.Optional(Type.Union([Type.Literal('score'), Type.Literal('time')], { default: 'score' })),
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  },
  { additionalProperties: false },
);

export function flagRoutes(ctx: ResultsContext): FastifyPluginAsyncTypebox {
  const { flags, posts, patterns } = ctx.store;
  return async (app) => {
    app.get(
      '/v1/flags',
      { config: { access: 'reviewer' }, schema: { summary: 'The flagged queue, filtered and sorted, with cursor pagination', querystring: FlagQuery } },
      async (request) => {
        const { sort = 'score', cursor, limit = 50, ...selection } = request.query;
        // Claims that ran out go back to the queue before anyone reads it.
        await flags.releaseExpiredClaims();
        return flags.list(toFlagFilter(selection), sort, cursor, limit);
      },
    );

    app.get('/v1/flags/:id', { config: { access: 'reviewer' }, schema: { summary: 'A flag with its post, every signal and the matched passage with spans', params: IdParams } }, async (request) => {
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
      {
        config: { access: 'reviewer' },
        schema: {
          summary: "Confirm, dismiss or escalate a flag; written to the append-only event log with the key's name. Refused (409) while another reviewer holds a claim on it, unless the key is an admin's",
          params: IdParams,
          body: DecisionInput,
        },
      },
      async (request) => {
        const key = request.apiKey!;
        return flags.decideAsReviewer(request.params.id, request.body, key.name, { override: key.role === 'admin' });
      },
    );

    app.get('/v1/flags/:id/events', { config: { access: 'reviewer' }, schema: { summary: "A flag's audit log, oldest first", params: IdParams } }, async (request) => {
      const flag = await flags.get(request.params.id);
      if (!flag) throw new NotFoundError('flag', request.params.id);
      return { items: await flags.events(request.params.id) };
    });
  };
}
