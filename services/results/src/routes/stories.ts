import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { NotFoundError, postKey } from '@undertow/core';
import { BEHAVIOUR_SIGNALS } from '@undertow/detect';
import type { ResultsContext } from '../context.js';

const IdParams = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,18}$' }) });
const DAY = 86_400_000;

/** A story: the posts that carry the same content, as a timeline a reviewer can read in seconds. */
export function storyRoutes(ctx: ResultsContext): FastifyPluginAsyncTypebox {
  const { stories, engagement, scores } = ctx.store;
  return async (app) => {
    app.get(
      '/v1/stories/:id',
      {
        config: { access: 'reviewer' },
        schema: {
          summary: "A story's timeline: first appearance and its traction, then every repost with account ages and communities",
          params: IdParams,
          querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000, default: 1000 })) }, { additionalProperties: false }),
        },
      },
      async (request) => {
        const story = await stories.get(request.params.id);
        if (!story) throw new NotFoundError('story', request.params.id);
        const [timeline, flagIds] = await Promise.all([stories.timeline(story.id, request.query.limit ?? 1000), stories.flagIdsByPost(story.id)]);
        const traction = await engagement.latestFor(timeline.map((p) => ({ source: p.source, externalId: p.externalId })));
        const latest = timeline.at(-1);
        const latestScore = latest ? await scores.get(latest.postId) : null;
        const signals = (latestScore?.patterns ?? []).flatMap((p) => p.signals).filter((s) => BEHAVIOUR_SIGNALS.includes(s.name));
        return {
          ...story,
          ...(story.id !== request.params.id ? { mergedFrom: request.params.id } : {}),
          signals: dedupeByName(signals),
          timeline: timeline.map((p) => ({
            postId: p.postId,
            source: p.source,
            externalId: p.externalId,
            authorId: p.authorId,
            authorHandle: p.authorHandle,
            authorCreatedAt: p.authorCreatedAt,
            accountAgeDays: p.authorCreatedAt ? Math.round(((Date.parse(p.createdAt) - Date.parse(p.authorCreatedAt)) / DAY) * 10) / 10 : null,
            community: p.community,
            createdAt: p.createdAt,
            engagement: traction.get(postKey(p)) ?? null,
            flagIds: flagIds.get(p.postId) ?? [],
            via: p.postId === story.firstPostId ? 'origin' : p.via,
          })),
        };
      },
    );
  };
}

/** The strongest signal of each name (the latest post's scores repeat them per pattern). */
function dedupeByName<T extends { name: string; value: number }>(signals: T[]): T[] {
  const best = new Map<string, T>();
  for (const s of signals) if ((best.get(s.name)?.value ?? -1) < s.value) best.set(s.name, s);
  return [...best.values()];
}
