import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { Static, TSchema } from '@sinclair/typebox';
import type { FieldError } from '@undertow/core';
import { findInvalidInput } from './input-guard.js';

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

function checker<S extends TSchema>(schema: S): TypeCheck<S> {
  let check = compiled.get(schema);
  if (!check) {
    check = TypeCompiler.Compile(schema);
    compiled.set(schema, check);
  }
  return check as TypeCheck<S>;
}

/**
 * Validates one item of a batch on its own, so that one bad post rejects only itself.
 * Returns at most `maxErrors` errors, one per field.
 */
export function validateItem<S extends TSchema>(
  schema: S,
  item: unknown,
  maxErrors = 10,
): { ok: true; value: Static<S> } | { ok: false; errors: FieldError[] } {
  const check = checker(schema);
  if (check.Check(item)) {
    const unstorable = findInvalidInput(item, '');
    return unstorable ? { ok: false, errors: [unstorable] } : { ok: true, value: item };
  }
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  for (const error of check.Errors(item)) {
    if (seen.has(error.path)) continue;
    seen.add(error.path);
    errors.push({ path: error.path || '/', message: error.message });
    if (errors.length >= maxErrors) break;
  }
  return { ok: false, errors };
}
