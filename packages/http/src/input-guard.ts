import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { InvalidInputError, type FieldError } from '@undertow/core';

const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Text PostgreSQL cannot hold: a NUL character (refused in `text` and `jsonb`), or an unpaired
 * UTF-16 surrogate, which is not Unicode at all (refused in `jsonb`, silently replaced in
 * `text`). Such input must be a 400 at the edge, not a 500 or a job that fails forever.
 */
export function invalidText(value: string): string | null {
  if (value.includes('\u0000')) return 'must not contain NUL characters (\\u0000)';
  if (UNPAIRED_SURROGATE.test(value)) return 'must be valid Unicode: it holds an unpaired surrogate';
  return null;
}

/**
 * The first value in `value` that no field may hold, with its JSON pointer under `root`: a
 * string or object key `invalidText` refuses, or a number that is not finite (`1e999` parses
 * as Infinity, and Ajv's type coercion lets it past `maximum`). Null when there is none.
 * Depth-first without recursion, so deep nesting cannot overflow the stack.
 */
export function findInvalidInput(value: unknown, root: string): FieldError | null {
  const stack: { value: unknown; path: string }[] = [{ value, path: root }];
  while (stack.length > 0) {
    const { value: current, path } = stack.pop()!;
    if (typeof current === 'string') {
      const problem = invalidText(current);
      if (problem) return { path, message: problem };
    } else if (typeof current === 'number') {
      if (!Number.isFinite(current)) return { path, message: 'must be a finite number' };
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push({ value: current[i], path: `${path}/${i}` });
    } else if (current !== null && typeof current === 'object') {
      for (const [key, child] of Object.entries(current)) {
        const pointer = `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
        const problem = invalidText(key);
        if (problem) return { path: pointer, message: `key ${problem}` };
        stack.push({ value: child, path: pointer });
      }
    }
  }
  return null;
}

/**
 * Refuses path parameters, query strings and bodies holding what `findInvalidInput` finds,
 * naming the field, once the schema has validated (and coerced) them. Routes that attach
 * their validation result (intake's batches) check each item themselves with `validateItem`,
 * which applies the same rule, so that one bad post rejects only itself.
 */
export const inputGuard = fp(
  async (app: FastifyInstance) => {
    app.addHook('preHandler', async (request) => {
      const found =
        findInvalidInput(request.params, 'params') ??
        findInvalidInput(request.query, 'querystring') ??
        (request.routeOptions.attachValidation ? null : findInvalidInput(request.body, 'body'));
      if (found) throw new InvalidInputError(`${found.path} ${found.message}`, [found]);
    });
  },
  { name: 'undertow-input-guard' },
);
