import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { InvalidInputError, NotFoundError, PatternInput } from '@undertow/core';
import type { ResultsContext } from '../context.js';
import { PATTERN_FILE_HELP, PATTERN_FILE_TYPES, acceptPatternFiles } from './pattern-file.js';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

/** Cross-field rules that a schema cannot say. */
function checkPattern(input: PatternInput): void {
  if (input.kind === 'document' && !input.text && !(input.urls?.length)) {
    throw new InvalidInputError('/text is required for a document pattern (or give /urls)', [{ path: '/text', message: 'is required for kind document' }]);
  }
  if (input.kind === 'narrative' && !input.examples?.length) {
    throw new InvalidInputError('/examples is required for a narrative pattern', [{ path: '/examples', message: 'is required for kind narrative' }]);
  }
  if (input.thresholds && input.thresholds.review > input.thresholds.priority) {
    throw new InvalidInputError('/thresholds/review must not exceed /thresholds/priority', [
      { path: '/thresholds/review', message: 'must not exceed thresholds.priority' },
    ]);
  }
}

export function patternRoutes(ctx: ResultsContext): FastifyPluginAsyncTypebox {
  const { patterns } = ctx.store;

  /** Content patterns are split and embedded by a worker; the clock tells workers to reload. */
  async function afterChange(pattern: { id: string; kind: string; version: number }): Promise<void> {
    if (pattern.kind !== 'behaviour') await ctx.producer.enqueuePatternIndex(pattern.id, pattern.version);
    await ctx.patternClock.bump();
  }

  // JSON, or an uploaded text or Markdown file with the other fields in the query string.
  const consumes = ['application/json', ...PATTERN_FILE_TYPES];

  return async (app) => {
    acceptPatternFiles(app);

    app.post('/v1/patterns', { config: { access: 'admin' }, schema: { summary: 'Create a pattern: a known document, a narrative or a behaviour', description: PATTERN_FILE_HELP, consumes, body: PatternInput } }, async (request, reply) => {
      checkPattern(request.body);
      const pattern = await patterns.create(request.body);
      await afterChange(pattern);
      return reply.status(201).header('location', `/v1/patterns/${pattern.id}`).send(pattern);
    });

    app.get(
      '/v1/patterns',
      {
        config: { access: ['reviewer'] },
        schema: {
          summary: 'List patterns',
          querystring: Type.Object(
            {
              kind: Type.Optional(Type.Union([Type.Literal('document'), Type.Literal('narrative'), Type.Literal('behaviour')])),
              active: Type.Optional(Type.Boolean()),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (request) => ({ items: await patterns.list(request.query) }),
    );

    app.get('/v1/patterns/:id', { config: { access: ['reviewer'] }, schema: { summary: 'One pattern', params: IdParams } }, async (request) => {
      const pattern = await patterns.get(request.params.id);
      if (!pattern) throw new NotFoundError('pattern', request.params.id);
      return pattern;
    });

    app.put(
      '/v1/patterns/:id',
      {
        config: { access: 'admin' },
        schema: {
          summary: 'Edit a pattern (the fields given replace the old ones), or (de)activate it with `active`; makes a new version and re-indexes it',
          description: PATTERN_FILE_HELP,
          consumes,
          params: IdParams,
          body: PatternInput,
        },
      },
      async (request) => {
        const existing = await patterns.get(request.params.id);
        if (!existing) throw new NotFoundError('pattern', request.params.id);
        // Fields not given keep their values (toggling `active` needs no text): check the result.
        checkPattern({
          ...request.body,
          ...(request.body.text === undefined && existing.text !== null ? { text: existing.text } : {}),
          ...(request.body.examples === undefined && existing.examples.length > 0 ? { examples: existing.examples } : {}),
          urls: request.body.urls ?? existing.urls,
          thresholds: request.body.thresholds ?? existing.thresholds,
        });
        if (existing.kind !== request.body.kind) {
          throw new InvalidInputError(`/kind cannot change from ${existing.kind} to ${request.body.kind}; create a new pattern`, [
            { path: '/kind', message: 'cannot change' },
          ]);
        }
        const pattern = await patterns.update(request.params.id, request.body);
        await afterChange(pattern);
        return pattern;
      },
    );

    app.delete('/v1/patterns/:id', { config: { access: 'admin' }, schema: { summary: 'Delete a pattern (its flags stay)', params: IdParams } }, async (request, reply) => {
      await patterns.remove(request.params.id);
      await ctx.patternClock.bump();
      return reply.status(204).send();
    });
  };
}
