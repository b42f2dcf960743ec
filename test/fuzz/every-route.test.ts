import fc from 'fast-check';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Role } from '@undertow/core';
import { allows, type Access } from '@undertow/http';
import { anyJson, contentType, hostileQuery, pathSegment, postLike, rawBody, anyText } from './arbitraries.js';
import { CaseCounter, everyRoute, expectClearAnswer, runs, startFuzzHarness, writeCaseCounts, type FuzzHarness } from './fuzz-harness.js';

type Caller = Role | 'none' | 'bogus';

/**
 * Every route either API registers — found from the running app, so a route added later is
 * fuzzed without anyone listing it here — gets random and hostile path parameters, query
 * strings, bodies, content types and keys. Whatever it is sent, it answers below 500, a 4xx
 * says what was wrong, a route that needs a key refuses a request without one (401) or with
 * a key of the wrong role (403), and the app keeps answering.
 */
describe('every route, fuzzed', () => {
  let harness: FuzzHarness;
  const counter = new CaseCounter();

  beforeAll(async () => {
    harness = await startFuzzHarness(inject('redisUrl'));
  });

  afterAll(async () => {
    if (harness) writeCaseCounts('every-route', counter);
    await harness?.close();
  });

  for (const name of ['intake', 'results'] as const) {
    it(`${name}: no input makes a route answer 5xx`, async () => {
      const app: FastifyInstance = harness[name];
      const spec = JSON.parse((await app.inject({ method: 'GET', url: '/docs/json' })).body) as OpenApi;
      const ownKeyIds = new Set(Object.values(harness.keys).map((k) => k.id));
      const routes = everyRoute(app);
      // The router and the auth plugin agree on every route under /v1/.
      expect(routes.filter((r) => r.url.startsWith('/v1/')).map((r) => `${r.method} ${r.url}`).sort()).toEqual(
        app.routeAccess().filter((r) => r.url.startsWith('/v1/')).map((r) => `${r.method} ${r.url}`).sort(),
      );
      expect(routes.length).toBeGreaterThan(3);
      for (const route of routes) {
        const request = requestFor(route, queryNames(spec, route.url, route.method), ownKeyIds, harness.keys);
        await fc.assert(
          fc.asyncProperty(request, async ({ options, caller }) => {
            counter.add(name, route.method, route.url);
            const response = await app.inject(options);
            expectClearAnswer(response, options);
            // A URL the router cannot take (a parameter over its length, bad percent-encoding,
            // a path that `.` or `..` segments turn into another) is refused, or sent elsewhere,
            // before anyone is asked for a key. A HEAD answer has no body to tell which it was.
            const dotSegments = /(^|\/)(\.|%2e){1,2}(\/|\?|$)/i.test(String(options.url));
            const refusedByRouter = dotSegments || (options.method === 'HEAD' ? [400, 404, 414].includes(response.statusCode) : routerRefusal(response));
            if (route.access !== 'public' && !refusedByRouter) {
              if (caller === 'none' || caller === 'bogus') expect(response.statusCode, `${route.method} ${route.url} as ${caller}`).toBe(401);
              else if (!allows(route.access, caller)) expect(response.statusCode, `${route.method} ${route.url} as ${caller}`).toBe(403);
            }
          }),
          { numRuns: runs(route.access === 'public' ? 60 : 300) },
        );
      }
      const health = await app.inject({ method: 'GET', url: '/healthz' });
      expect(health.statusCode).toBe(200);
    });
  }
});

function routerRefusal(response: { statusCode: number; body: string }): boolean {
  if (response.statusCode === 414) return true;
  if (response.statusCode !== 400 && response.statusCode !== 404) return false;
  const body = JSON.parse(response.body) as { code?: string; message?: string };
  return body.code === 'FST_ERR_BAD_URL' || (body.code === 'NOT_FOUND' && /^no route /.test(body.message ?? ''));
}

interface OpenApi {
  paths?: Record<string, Record<string, { parameters?: { in: string; name: string }[] }>>;
}

/** The query parameters the route documents, so the fuzzer sends hostile values under real names. */
function queryNames(spec: OpenApi, url: string, method: string): string[] {
  const path = url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
  const operation = spec.paths?.[path]?.[method.toLowerCase()];
  return (operation?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
}

function requestFor(
  route: { method: string; url: string; access: Access },
  queryKeys: string[],
  ownKeyIds: ReadonlySet<string>,
  keys: FuzzHarness['keys'],
): fc.Arbitrary<{ options: InjectOptions; caller: Caller }> {
  const segments = route.url.split('/').map((part) =>
    part.startsWith(':') || part === '*'
      ? // Never one of the harness's own key ids: revoking them would lock the fuzzer out.
        pathSegment.filter((s) => !ownKeyIds.has(s))
      : fc.constant(part),
  );
  const hasBody = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(route.method);
  const body = fc.oneof(
    { weight: 3, arbitrary: anyJson.map((v) => ({ payload: JSON.stringify(v) ?? 'null', type: 'application/json' })) },
    { weight: 2, arbitrary: fc.tuple(postLike(anyText(20)), contentType).map(([v, type]) => ({ payload: JSON.stringify(v), type })) },
    { weight: 2, arbitrary: fc.tuple(rawBody, contentType).map(([payload, type]) => ({ payload, type })) },
  );
  const caller = fc.oneof(
    { weight: 6, arbitrary: fc.constant<Caller>('admin') },
    { weight: 1, arbitrary: fc.constantFrom<Caller>('reviewer', 'submitter', 'none', 'bogus') },
  );
  return fc
    .record({
      path: fc.tuple(...segments).map((parts) => parts.join('/')),
      query: fc.option(hostileQuery(queryKeys), { nil: undefined, freq: 2 }),
      body: hasBody ? fc.option(body, { nil: undefined, freq: 8 }) : fc.constant(undefined),
      caller,
      bogusKey: fc.oneof(fc.constantFrom('utw_', 'utw_' + 'A'.repeat(43), 'Bearer', "' OR 1=1 --", 'x'.repeat(5000)), fc.string({ unit: 'grapheme-ascii', maxLength: 60 })),
      viaBearer: fc.boolean(),
    })
    .map(({ path, query, body, caller, bogusKey, viaBearer }) => {
      const headers: Record<string, string> = {};
      const secret = caller === 'none' ? null : caller === 'bogus' ? bogusKey.replace(/[^\x21-\x7e]/g, 'x') || 'x' : keys[caller].secret;
      if (secret !== null) {
        if (viaBearer) headers['authorization'] = `Bearer ${secret}`;
        else headers['x-api-key'] = secret;
      }
      const options: InjectOptions = { method: route.method as InjectOptions['method'], url: query ? `${path}?${query}` : path, headers };
      if (body) {
        options.payload = body.payload;
        if (body.type) headers['content-type'] = body.type;
      }
      return { options, caller };
    });
}
