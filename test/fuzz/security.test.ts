import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { waitUntil } from '../support/http.js';
import { CaseCounter, expectClearAnswer, startFuzzHarness, writeCaseCounts, type FuzzHarness } from './fuzz-harness.js';

/** Attempts at SQL injection, each of which would drop, empty or alter the canary table if it ever reached SQL as text. */
const INJECTIONS = [
  "'; DROP TABLE canary; --",
  "'); DROP TABLE canary; --",
  "' OR '1'='1'; DELETE FROM canary; --",
  '"; DROP TABLE canary; --',
  "$$; DROP TABLE canary; $$",
  "\\'; DROP TABLE canary; --",
  "E'\\x27; DROP TABLE canary; --",
  "1; UPDATE canary SET x = 666; --",
  "1) OR 1=1; TRUNCATE canary; --",
  "x' UNION SELECT secret_hash, NULL FROM api_keys --",
  "'::text; DROP TABLE canary; --",
  '*/ DROP TABLE canary; /*',
];

interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
}
interface Operation {
  parameters?: { in: string; name: string; schema?: JsonSchema }[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}
interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  maxLength?: number;
  minimum?: number;
}

/**
 * A body for `schema` whose every free-text string is `value`; other fields get the simplest
 * valid value, so the request gets past validation and the string reaches the database.
 */
function fill(schema: JsonSchema | undefined, value: string): unknown {
  if (!schema) return value;
  if (schema.enum) return schema.enum[0];
  if ('const' in schema) return schema.const;
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fill(alternatives.find((a) => a.type === 'object') ?? alternatives[0], value);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'object':
      return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([name, property]) => [name, fill(property, value)]));
    case 'array':
      return [fill(schema.items, value)];
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return false;
    case 'string':
      if (schema.format === 'date-time') return '2026-10-21T09:00:00Z';
      if (schema.format === 'uri') return `https://example.com/?q=${encodeURIComponent(value)}`;
      if (schema.pattern?.startsWith('^[0-9]')) return '1';
      return value.slice(0, schema.maxLength ?? value.length);
    default:
      return value;
  }
}

describe('security of the APIs', () => {
  let harness: FuzzHarness;
  const counter = new CaseCounter();

  beforeAll(async () => {
    harness = await startFuzzHarness(inject('redisUrl'));
  });

  afterAll(async () => {
    if (harness) writeCaseCounts('security', counter);
    await harness?.close();
  });

  const send = async (name: 'intake' | 'results', options: InjectOptions, route = String(options.url).split('?')[0]!) => {
    counter.add(name, options.method as string, route);
    const response = await harness[name].inject(options);
    expectClearAnswer(response, options);
    return response;
  };

  it('stores SQL-injection strings verbatim through every string field and filter, and the database is intact', async () => {
    await harness.db.query('CREATE TABLE canary (x integer NOT NULL)');
    await harness.db.query('INSERT INTO canary (x) VALUES (1), (2), (3)');
    const tablesBefore = await tables(harness);

    // Posts whose every string field carries an injection: intake accepts them all.
    const posts = INJECTIONS.map((sql, i) => ({
      source: `sqli${sql}`.slice(0, 256),
      externalId: `${i}${sql}`,
      author: { id: sql, handle: sql },
      community: sql,
      title: sql,
      text: `${sql} the steering group agreed in March`,
      urls: [`https://example.com/${encodeURIComponent(sql)}?q=${encodeURIComponent(sql)}`],
      lang: sql.slice(0, 35),
      createdAt: '2026-10-21T09:00:00Z',
      repostOf: { source: sql, externalId: sql },
    }));
    const submitted = await send('intake', { method: 'POST', url: '/v1/posts', headers: { 'x-api-key': harness.keys.submitter.secret }, payload: { posts } });
    expect(submitted.statusCode).toBe(202);
    expect(JSON.parse(submitted.body).accepted).toBe(posts.length);
    const updates = INJECTIONS.map((sql) => ({ source: sql, externalId: sql, engagement: { score: 1 }, observedAt: '2026-10-21T10:00:00Z' }));
    expect((await send('intake', { method: 'POST', url: '/v1/engagement', headers: { 'x-api-key': harness.keys.submitter.secret }, payload: { updates } })).statusCode).toBe(202);

    // Every documented route: injections in each path parameter, each query parameter, and
    // every string of a body built from the route's schema.
    let reached = 0;
    for (const name of ['intake', 'results'] as const) {
      const app: FastifyInstance = harness[name];
      const spec = JSON.parse((await app.inject({ method: 'GET', url: '/docs/json' })).body) as OpenApi;
      for (const [path, operations] of Object.entries(spec.paths).filter(([p]) => p.startsWith('/v1/'))) {
        for (const [method, operation] of Object.entries(operations)) {
          const upper = method.toUpperCase();
          if (!['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(upper)) continue;
          const queryNames = (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
          const bodySchema = operation.requestBody?.content?.['application/json']?.schema;
          for (const sql of INJECTIONS) {
            const url = path.replace(/\{[^}]+\}/g, () => encodeURIComponent(sql));
            const headers = { 'x-api-key': harness.keys.admin.secret };
            const attempts: InjectOptions[] = [{ method: upper as InjectOptions['method'], url, headers }];
            // The same route with a harmless id, so that the query and body reach the handler.
            const plain = path.replace(/\{[^}]+\}/g, '1');
            for (const query of queryNames) attempts.push({ method: upper as InjectOptions['method'], url: `${plain}?${query}=${encodeURIComponent(sql)}`, headers });
            if (bodySchema) attempts.push({ method: upper as InjectOptions['method'], url: plain, headers, payload: fill(bodySchema, sql) as object });
            for (const attempt of attempts) {
              const response = await send(name, attempt, path.replace(/\{([^}]+)\}/g, ':$1'));
              if (response.statusCode < 400 || response.statusCode === 404 || response.statusCode === 409) reached++;
            }
          }
        }
      }
    }
    // Many of those requests got past validation to a handler, and so to SQL.
    expect(reached).toBeGreaterThan(100);

    // The worker stores the posts; each injection comes back byte for byte.
    await waitUntil(async () => {
      const { length } = await harness.db.query(`SELECT 1 FROM posts WHERE source LIKE 'sqli%'`);
      return length === posts.length;
    }, 'the injected posts to be stored', 60_000, 200);
    for (const post of posts) {
      const [row] = await harness.db.query<{ author_id: string; community: string; title: string; text: string; lang: string; repost_of_source: string }>(
        `SELECT author_id, community, title, text, lang, repost_of_source FROM posts WHERE source = $1 AND external_id = $2`,
        [post.source, post.externalId],
      );
      expect(row).toEqual({ author_id: post.author.id, community: post.community, title: post.title, text: post.text, lang: post.lang, repost_of_source: post.repostOf.source });
    }

    const canary = await harness.db.query<{ x: number }>('SELECT x FROM canary ORDER BY x');
    expect(canary.map((r) => r.x)).toEqual([1, 2, 3]);
    expect(await tables(harness)).toEqual(tablesBefore);
    const keys = await harness.db.query<{ n: string }>('SELECT count(*)::text AS n FROM api_keys WHERE revoked_at IS NULL');
    expect(Number(keys[0]!.n)).toBeGreaterThanOrEqual(3);
  });

  it('answers a body over the limit with 413 and a clear message, before reading it all', async () => {
    for (const [name, limit] of [
      ['intake', harness.config.intake.bodyLimit],
      ['results', harness.config.results.bodyLimit],
    ] as const) {
      const url = name === 'intake' ? '/v1/posts' : '/v1/patterns';
      const filler = 'x'.repeat(limit);
      const payload = `{"text":"${filler}"}`;
      const response = await send(name, { method: 'POST', url, headers: { 'x-api-key': harness.keys.admin.secret, 'content-type': 'application/json' }, payload });
      expect(response.statusCode).toBe(413);
      expect(JSON.parse(response.body)).toMatchObject({ code: 'FST_ERR_CTP_BODY_TOO_LARGE', message: expect.stringMatching(/larger than this API accepts/) });
      // Just under the limit is read and validated (and refused for what it says, not its size).
      const under = `{"text":"${filler.slice(0, limit - 100)}"}`;
      const fits = await send(name, { method: 'POST', url, headers: { 'x-api-key': harness.keys.admin.secret, 'content-type': 'application/json' }, payload: under });
      expect(fits.statusCode).toBe(400);
    }
  });

  it('limits each key to its requests per minute, with Retry-After', async () => {
    const limited = await harness.store.apiKeys.create({ name: 'fuzz-limited', role: 'submitter', rateLimit: 5 });
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    for (let i = 0; i < 7; i++) {
      const response = await send('intake', { method: 'GET', url: '/v1/posts/none/none', headers: { 'x-api-key': limited.secret } }, '/v1/posts/:source/:externalId');
      statuses.push(response.statusCode);
      if (response.statusCode === 429) retryAfter = String(response.headers['retry-after']);
    }
    expect(statuses).toEqual([404, 404, 404, 404, 404, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    // Another key is not affected.
    const other = await send('intake', { method: 'GET', url: '/v1/posts/none/none', headers: { 'x-api-key': harness.keys.submitter.secret } }, '/v1/posts/:source/:externalId');
    expect(other.statusCode).toBe(404);
  });
});

async function tables(harness: FuzzHarness): Promise<string[]> {
  const rows = await harness.db.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}
