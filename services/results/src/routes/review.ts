import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DECISIONS, InvalidInputError, LIMITS, type FlagEventType } from '@undertow/core';
import { ApiKeyName } from '@undertow/core';
import { MAX_FLAG_PAGE } from '@undertow/store';
import type { ResultsContext } from '../context.js';
import { FlagSelection, toFlagFilter } from './flag-selection.js';

/** How long a claim lasts unless the reviewer asks otherwise: long enough to read, short enough not to strand a flag. */
export const DEFAULT_CLAIM_SECONDS = 600;
const MAX_CLAIM_SECONDS = 4 * 3600;

const FLAG_EVENT_TYPES: readonly FlagEventType[] = ['opened', 'rescored', 'claimed', 'released', 'decided', 'noted', 'assigned'];
const EVENT_TYPE = `(${FLAG_EVENT_TYPES.join('|')})`;

const IdParams = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,18}$' }) });

const ClaimBody = Type.Object(
  { ttlSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_CLAIM_SECONDS, description: `Default ${DEFAULT_CLAIM_SECONDS}` })) },
  { additionalProperties: false },
);

const AssignBody = Type.Object({ assignee: Type.Union([ApiKeyName, Type.Null()], { description: 'A reviewer name, or null to unassign' }) }, { additionalProperties: false });

const NoteBody = Type.Object({ note: Type.String({ minLength: 1, maxLength: LIMITS.noteChars }) }, { additionalProperties: false });

const BulkDecisionBody = Type.Object(
  {
    decision: Type.Union(DECISIONS.map((d) => Type.Literal(d))),
    note: Type.Optional(Type.String({ maxLength: LIMITS.noteChars })),
    /** Which flags: the queue's filters; without `status`, the open and in-review ones. */
    filter: Type.Optional(FlagSelection),
    /** Or exactly these flags (still narrowed by `filter`). */
    ids: Type.Optional(Type.Array(Type.String({ pattern: '^[0-9]{1,18}$' }), { minItems: 1, maxItems: MAX_FLAG_PAGE })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_FLAG_PAGE, default: 500 })),
    dryRun: Type.Optional(Type.Boolean({ description: 'Answer what would be decided; change nothing' })),
  },
  { additionalProperties: false },
);

const BulkDecisionResult = Type.Object({
  dryRun: Type.Boolean(),
  matched: Type.Integer(),
  decided: Type.Array(Type.String()),
  skipped: Type.Array(Type.Object({ id: Type.String(), claimedBy: Type.String(), claimExpiresAt: Type.String() })),
  remaining: Type.Integer(),
});

const EventQuery = Type.Object(
  {
    flagId: Type.Optional(Type.String({ pattern: '^[0-9]{1,18}$' })),
    actor: Type.Optional(Type.String({ maxLength: 100 })),
    type: Type.Optional(Type.String({ pattern: `^${EVENT_TYPE}(,${EVENT_TYPE})*$`, description: `One type or several separated by commas: ${FLAG_EVENT_TYPES.join(', ')}` })),
    cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,19}$' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  },
  { additionalProperties: false },
);

/**
 * The review workflow: claims with an expiring lock, assignment, notes, bulk decisions and the
 * event history. Every change is written to the append-only log with the key's name.
 */
export function reviewRoutes(ctx: ResultsContext): FastifyPluginAsyncTypebox {
  const { flags } = ctx.store;
  return async (app) => {
    app.post(
      '/v1/flags/:id/claim',
      {
        config: { access: 'reviewer' },
        schema: {
          summary: 'Claim a flag for a while: an open flag goes in_review and no other reviewer can claim or decide it until the claim is released, decided or runs out. Claiming again renews it; 409 while someone else holds it',
          params: IdParams,
          body: ClaimBody,
        },
        // The body is optional: `curl -X POST …/claim` claims for the default time.
        preValidation: async (request) => {
          request.body ??= {};
        },
      },
      async (request) => {
        const key = request.apiKey!;
        return flags.claim(request.params.id, key.name, request.body.ttlSeconds ?? DEFAULT_CLAIM_SECONDS, { override: key.role === 'admin' });
      },
    );

    app.post(
      '/v1/flags/:id/release',
      { config: { access: 'reviewer' }, schema: { summary: 'Give a claim up: the flag goes back to the queue', params: IdParams } },
      async (request) => {
        const key = request.apiKey!;
        return flags.release(request.params.id, key.name, { override: key.role === 'admin' });
      },
    );

    app.post(
      '/v1/flags/:id/assign',
      { config: { access: 'reviewer' }, schema: { summary: 'Assign a flag to a reviewer, or to nobody', params: IdParams, body: AssignBody } },
      async (request) => flags.assign(request.params.id, request.body.assignee, request.apiKey!.name),
    );

    app.post(
      '/v1/flags/:id/notes',
      { config: { access: 'reviewer' }, schema: { summary: "Add a note to a flag's event log", params: IdParams, body: NoteBody } },
      async (request, reply) => reply.status(201).send(await flags.note(request.params.id, request.body.note, request.apiKey!.name)),
    );

    app.post(
      '/v1/flags/decisions',
      {
        config: { access: 'reviewer' },
        schema: {
          summary: 'Decide many flags at once: those a filter selects (a whole story with filter.storyId) or those listed in ids. Flags another reviewer holds are skipped. Use dryRun to see the count first',
          body: BulkDecisionBody,
          response: { 200: BulkDecisionResult },
        },
      },
      async (request) => {
        const { decision, note, filter = {}, ids, limit = 500, dryRun } = request.body;
        if (ids === undefined && Object.keys(filter).length === 0) {
          throw new InvalidInputError('a bulk decision needs a filter or ids: it never applies to the whole queue by default', [
            { path: '/filter', message: 'give at least one filter, or ids' },
          ]);
        }
        const key = request.apiKey!;
        await flags.releaseExpiredClaims();
        return flags.decideMany(
          { ...toFlagFilter(filter), ...(ids ? { ids } : {}) },
          { decision, ...(note !== undefined ? { note } : {}) },
          key.name,
          { limit, dryRun: dryRun ?? false, override: key.role === 'admin' },
        );
      },
    );

    app.get(
      '/v1/events',
      { config: { access: 'reviewer' }, schema: { summary: 'The audit log across all flags, newest first (claims, releases, assignments, notes, decisions)', querystring: EventQuery } },
      async (request) => {
        const { flagId, actor, type, cursor, limit = 100 } = request.query;
        return flags.listEvents({
          limit,
          ...(flagId !== undefined ? { flagId } : {}),
          ...(actor !== undefined ? { actor } : {}),
          ...(type !== undefined ? { types: type.split(',') as FlagEventType[] } : {}),
          ...(cursor !== undefined ? { before: cursor } : {}),
        });
      },
    );
  };
}
