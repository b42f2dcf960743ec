import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { NotFoundError, RESCAN_STATES, RescanInput } from '@undertow/core';
import type { ResultsContext } from '../context.js';

const IdParams = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,18}$' }) });

const ListQuery = Type.Object(
  {
    state: Type.Optional(Type.Union(RESCAN_STATES.map((s) => Type.Literal(s)))),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  },
  { additionalProperties: false },
);

/**
 * Rescans: re-score stored posts against the current patterns, with progress, cancellation
 * and a summary of what changed. The work runs on the workers as a BullMQ flow.
 */
export function rescanRoutes(ctx: ResultsContext): FastifyPluginAsyncTypebox {
  const { rescans } = ctx.store;
  return async (app) => {
    app.post(
      '/v1/rescans',
      {
        config: { access: 'admin' },
        schema: {
          summary: 'Start a rescan of the stored posts in a time range (default: all) against some patterns (default: every active one)',
          description:
            'Answers 202 with the rescan; follow its progress at the `location` given. `from` and `to` bound the posts\u2019 own `createdAt`.',
          body: RescanInput,
        },
      },
      async (request, reply) => {
        const { rescan } = await ctx.rescanFlows.launch(rescans, {
          ...(request.body.patternIds ? { patternIds: request.body.patternIds } : {}),
          ...(request.body.from ? { from: request.body.from } : {}),
          ...(request.body.to ? { to: request.body.to } : {}),
          reason: request.body.reason,
          createdBy: request.apiKey?.name ?? 'anonymous',
          chunkSize: ctx.config.rescan.chunkSize,
        });
        return reply.status(202).header('location', `/v1/rescans/${rescan.id}`).send(rescan);
      },
    );

    app.get('/v1/rescans', { config: { access: ['reviewer'] }, schema: { summary: 'Rescans, newest first', querystring: ListQuery } }, async (request) => ({
      items: await rescans.list({ ...(request.query.state ? { state: request.query.state } : {}), limit: request.query.limit ?? 50 }),
    }));

    app.get(
      '/v1/rescans/:id',
      { config: { access: ['reviewer'] }, schema: { summary: "A rescan's state and progress: total, done, newly and no longer flagged, rate, ETA", params: IdParams } },
      async (request) => {
        const rescan = await rescans.get(request.params.id);
        if (!rescan) throw new NotFoundError('rescan', request.params.id);
        return rescan;
      },
    );

    app.get(
      '/v1/rescans/:id/chunks',
      {
        config: { access: ['reviewer'] },
        schema: { summary: "A rescan's chunks: post id ranges, attempts, posts checked and where the time went", params: IdParams },
      },
      async (request) => {
        const rescan = await rescans.get(request.params.id);
        if (!rescan) throw new NotFoundError('rescan', request.params.id);
        return { items: await rescans.chunks(request.params.id) };
      },
    );

    app.delete(
      '/v1/rescans/:id',
      { config: { access: 'admin' }, schema: { summary: 'Cancel a queued or running rescan; what it already wrote stays', params: IdParams } },
      async (request) => rescans.cancel(request.params.id),
    );
  };
}
