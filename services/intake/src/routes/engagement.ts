import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { EngagementUpdate, InvalidInputError, LIMITS, type FieldError } from '@undertow/core';
import { validateItem } from '@undertow/http';
import type { IntakeContext } from '../context.js';

const EngagementBatch = Type.Object({ updates: Type.Array(EngagementUpdate, { minItems: 1, maxItems: LIMITS.engagementUpdatesPerBatch }) });

export function engagementRoutes(ctx: IntakeContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/engagement',
      {
        config: { access: 'submitter' },
        attachValidation: true,
        schema: {
          summary: 'Record engagement observed later for posts already submitted (traction is only known later)',
          body: EngagementBatch,
        },
      },
      async (request, reply) => {
        const body: unknown = request.body;
        const updates = typeof body === 'object' && body !== null ? (body as { updates?: unknown }).updates : undefined;
        if (!Array.isArray(updates) || updates.length === 0) {
          throw new InvalidInputError('/updates must be a non-empty array of engagement updates', [{ path: '/updates', message: 'must be a non-empty array' }]);
        }
        if (updates.length > LIMITS.engagementUpdatesPerBatch) {
          throw new InvalidInputError(`/updates holds ${updates.length} items; at most ${LIMITS.engagementUpdatesPerBatch}`, [
            { path: '/updates', message: 'too many items' },
          ]);
        }
        const accepted: EngagementUpdate[] = [];
        const items = updates.map((item, index) => {
          const checked = validateItem(EngagementUpdate, item);
          if (!checked.ok) return { index, status: 'rejected' as const, errors: checked.errors as FieldError[] };
          accepted.push(checked.value);
          return { index, status: 'queued' as const };
        });
        if (accepted.length > 0) await ctx.producer.enqueueEngagement(accepted);
        return reply.status(202).send({ accepted: accepted.length, rejected: items.length - accepted.length, items });
      },
    );
  };
}
