import type { FastifyInstance } from 'fastify';

/** Media types a pattern's text may be sent as, raw, instead of JSON. */
export const PATTERN_FILE_TYPES = ['text/plain', 'text/markdown', 'text/x-markdown'] as const;

/** How to send a file, for the API docs. */
export const PATTERN_FILE_HELP =
  'The body may also be the raw text of a file (`content-type: text/plain` or `text/markdown`), with the other fields in the ' +
  'query string: `name` (required), `kind` (default `document`; for `narrative` each blank-line-separated paragraph is an ' +
  'example), `description`, `tags` and `urls` (comma-separated or repeated), `review` and `priority` (thresholds), `active`. ' +
  'E.g. `curl -X POST "…/v1/patterns?name=Harwick%20memo&tags=T0089" -H "content-type: text/markdown" --data-binary @memo.md`.';

type Query = Record<string, string | string[] | undefined>;

/**
 * Lets the routes of `app`'s context take a pattern as an uploaded text or Markdown file: the
 * body is the text and the query string holds the other fields. The parser turns the two
 * into the same object a JSON body gives, so the one `PatternInput` schema validates both
 * and names the offending field either way.
 */
export function acceptPatternFiles(app: FastifyInstance): void {
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser([...PATTERN_FILE_TYPES], { parseAs: 'string' }, (request, body, done) => {
    done(null, patternFromFile(body as string, (request.query ?? {}) as Query));
  });
}

/** The pattern input that a file's text and the request's query string describe; validated afterwards by the route's schema. */
export function patternFromFile(text: string, query: Query): Record<string, unknown> {
  const one = (name: string): string | undefined => {
    const value = query[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const list = (name: string): string[] | undefined => {
    const value = query[name];
    if (value === undefined) return undefined;
    return (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v.length > 0);
  };
  const number = (name: string): number | string | undefined => {
    const value = one(name);
    if (value === undefined) return undefined;
    const parsed = Number(value);
    // A non-number is passed on as it is, for the schema to reject by name.
    return value.trim() !== '' && Number.isFinite(parsed) ? parsed : value;
  };
  const kind = one('kind') ?? 'document';
  const input: Record<string, unknown> = { kind };
  const name = one('name');
  if (name !== undefined) input['name'] = name;
  const description = one('description');
  if (description !== undefined) input['description'] = description;
  if (kind === 'narrative') {
    input['examples'] = text
      .split(/\r?\n\s*\r?\n/)
      .map((example) => example.trim())
      .filter((example) => example.length > 0);
  } else {
    input['text'] = text;
  }
  const tags = list('tags');
  if (tags !== undefined) input['tags'] = tags;
  const urls = list('urls');
  if (urls !== undefined) input['urls'] = urls;
  const review = number('review');
  const priority = number('priority');
  if (review !== undefined || priority !== undefined) input['thresholds'] = { review: review ?? 0.5, priority: priority ?? 0.8 };
  const active = one('active');
  if (active !== undefined) input['active'] = active === 'true' ? true : active === 'false' ? false : active;
  return input;
}
