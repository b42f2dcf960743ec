import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { InvalidInputError, LIMITS, PostInput, type ItemResult } from '@undertow/core';
import { ErrorResponse, validateItem } from '@undertow/http';
import type { IntakeContext } from '../context.js';
import type { BackPressure } from '../back-pressure.js';

const PostBatch = Type.Object({ posts: Type.Array(PostInput, { minItems: 1, maxItems: LIMITS.postsPerBatch }) });

const SubmitResult = Type.Object({
  accepted: Type.Integer(),
  duplicates: Type.Integer(),
  rejected: Type.Integer(),
  items: Type.Array(
    Type.Object({
      index: Type.Integer(),
      status: Type.Union([Type.Literal('queued'), Type.Literal('duplicate'), Type.Literal('rejected')]),
      source: Type.Optional(Type.String()),
      externalId: Type.Optional(Type.String()),
      errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
    }),
  ),
});

const PostStatus = Type.Object({
  source: Type.String(),
  externalId: Type.String(),
  status: Type.Union([Type.Literal('queued'), Type.Literal('scored')]),
  postId: Type.Union([Type.String(), Type.Null()]),
  score: Type.Union([Type.Null(), Type.Object({ value: Type.Number(), tier: Type.String(), model: Type.String(), scoredAt: Type.String() })]),
  flagIds: Type.Array(Type.String()),
});

export function postRoutes(ctx: IntakeContext, backPressure: BackPressure): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/posts',
      {
        config: { access: 'submitter' },
        // Items are validated one by one below so that one bad post rejects only itself.
        attachValidation: true,
        schema: {
          summary: 'Submit one post, or a batch of up to 1,000 as { "posts": [...] }',
          body: Type.Union([PostInput, PostBatch]),
          response: { 202: SubmitResult, 400: ErrorResponse, 429: ErrorResponse },
        },
      },
      async (request, reply) => {
        const body: unknown = request.body;
        const isBatch = typeof body === 'object' && body !== null && !Array.isArray(body) && 'posts' in body;
        const items = isBatch ? (body as { posts: unknown }).posts : [body];
        if (!Array.isArray(items)) throw new InvalidInputError('/posts must be an array of posts', [{ path: '/posts', message: 'must be an array' }]);
        if (items.length === 0) throw new InvalidInputError('/posts must hold at least one post', [{ path: '/posts', message: 'is empty' }]);
        if (items.length > LIMITS.postsPerBatch) {
          throw new InvalidInputError(`/posts holds ${items.length} posts; at most ${LIMITS.postsPerBatch} per request`, [
            { path: '/posts', message: `more than ${LIMITS.postsPerBatch} items` },
          ]);
        }
        const results: ItemResult[] = new Array(items.length);
        const valid: { index: number; post: PostInput }[] = [];
        items.forEach((item, index) => {
          const checked = validateItem(PostInput, item);
          if (checked.ok) valid.push({ index, post: checked.value });
          else results[index] = { index, status: 'rejected', errors: checked.errors };
        });
        if (!isBatch && valid.length === 0) {
          const errors = (results[0] as { errors: { path: string; message: string }[] }).errors;
          throw new InvalidInputError(`${errors[0]?.path ?? '/'} ${errors[0]?.message ?? 'is invalid'}`, errors);
        }
        if (valid.length > 0) {
          const wait = await backPressure.retryAfter();
          if (wait > 0) {
            void reply.header('retry-after', String(wait));
            return reply.status(429).send({
              statusCode: 429,
              code: 'QUEUE_FULL',
              error: 'Too Many Requests',
              message: `the scoring queue is over its limit of ${ctx.config.intake.maxQueueDepth}; retry after ${wait} s`,
            });
          }
          const enqueued = await ctx.producer.enqueuePosts(valid.map((v) => v.post));
          valid.forEach(({ index, post }, i) => {
            results[index] = { index, status: enqueued[i]!.status, source: post.source, externalId: post.externalId };
          });
        }
        const count = (status: ItemResult['status']) => results.filter((r) => r.status === status).length;
        return reply.status(202).send({ accepted: count('queued'), duplicates: count('duplicate'), rejected: count('rejected'), items: results });
      },
    );

    app.get(
      '/v1/posts/:source/:externalId',
      {
        config: { access: 'submitter' },
        schema: {
          summary: 'Where a submitted post stands: queued or scored, its score and flags',
          params: Type.Object({ source: Type.String({ maxLength: LIMITS.idChars }), externalId: Type.String({ maxLength: LIMITS.idChars }) }),
          response: { 200: PostStatus, 404: ErrorResponse },
        },
      },
      async (request, reply) => {
        const { source, externalId } = request.params;
        const post = await ctx.store.posts.getByRef(source, externalId);
        if (!post) {
          if (await ctx.producer.wasSeen({ source, externalId })) {
            return { source, externalId, status: 'queued' as const, postId: null, score: null, flagIds: [] };
          }
          return reply.status(404).send({ statusCode: 404, code: 'NOT_FOUND', error: 'Not Found', message: `post ${source}/${externalId} was never submitted` });
        }
        const [score, flags] = await Promise.all([ctx.store.scores.get(post.id), ctx.store.flags.getForPost(post.id)]);
        return {
          source,
          externalId,
          status: score ? ('scored' as const) : ('queued' as const),
          postId: post.id,
          score: score ? { value: score.value, tier: score.tier, model: score.versions.model, scoredAt: score.scoredAt } : null,
          flagIds: flags.map((flag) => flag.id),
        };
      },
    );
  };
}
