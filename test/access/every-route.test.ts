import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { ROLES, type Role } from '@undertow/core';
import type { Access, RouteAccess } from '@undertow/http';
import { buildApps, type BuiltApps } from './apps.js';

const ANY_KEY: Access = ['submitter', 'reviewer', 'admin'];

/**
 * Who may call each API route. Every route the built apps have under /v1 must be here: a route
 * added later fails this test until someone decides who may call it. Routes listed here that
 * an app does not have yet (planned by another issue) are ignored.
 */
const EXPECTED: Record<'intake' | 'results', Record<string, Access>> = {
  intake: {
    'POST /v1/posts': 'submitter',
    'GET /v1/posts/:source/:externalId': 'submitter',
    'POST /v1/engagement': 'submitter',
    'GET /v1/me': ANY_KEY,
  },
  results: {
    'GET /v1/me': ANY_KEY,
    // Reviewing
    'GET /v1/flags': 'reviewer',
    'GET /v1/flags/:id': 'reviewer',
    'GET /v1/flags/:id/events': 'reviewer',
    'POST /v1/flags/:id/decision': 'reviewer',
    'POST /v1/flags/:id/claim': 'reviewer',
    'POST /v1/flags/:id/release': 'reviewer',
    'POST /v1/flags/:id/assign': 'reviewer',
    'POST /v1/flags/:id/notes': 'reviewer',
    'POST /v1/flags/decisions': 'reviewer',
    'GET /v1/events': 'reviewer',
    'GET /v1/stats': 'reviewer',
    'GET /v1/stories/:id': 'reviewer',
    // Patterns: reviewers read them (names in the queue), admins change them.
    'GET /v1/patterns': ['reviewer'],
    'GET /v1/patterns/:id': ['reviewer'],
    'POST /v1/patterns': 'admin',
    'PUT /v1/patterns/:id': 'admin',
    'DELETE /v1/patterns/:id': 'admin',
    // Keys: admins.
    // Rescans: reviewers watch what a rescan newly flags; admins start and cancel them.
    'POST /v1/rescans': 'admin',
    'GET /v1/rescans': ['reviewer'],
    'GET /v1/rescans/:id': ['reviewer'],
    'GET /v1/rescans/:id/chunks': ['reviewer'],
    'DELETE /v1/rescans/:id': 'admin',
    'POST /v1/keys': 'admin',
    'GET /v1/keys': 'admin',
    'GET /v1/keys/:id': 'admin',
    'DELETE /v1/keys/:id': 'admin',
  },
};

/** Public routes each API must have: health, readiness and the docs. */
const PUBLIC = ['GET /healthz', 'GET /readyz', 'GET /docs', 'GET /docs/json'];

const same = (a: Access, b: Access) => JSON.stringify([a].flat().sort()) === JSON.stringify([b].flat().sort());

/** A concrete URL for a route pattern: placeholders get values that exist nowhere. */
function concrete(url: string): string {
  return url
    .replace(/:source/g, 'nowhere')
    .replace(/:externalId/g, 'nothing')
    .replace(/:[A-Za-z]+/g, '999999999')
    .replace(/\*$/, 'index.html');
}

function routesOf(app: FastifyInstance): RouteAccess[] {
  return app.routeAccess().filter((r) => r.method !== 'HEAD');
}

describe('every role on every route', () => {
  let apps: BuiltApps;
  beforeAll(async () => {
    apps = await buildApps(inject('redisUrl'));
  });
  afterAll(async () => {
    await apps?.close();
  });

  it('results: the console page is public (built or not)', async () => {
    const page = await apps.results.inject({ method: 'GET', url: '/' });
    expect([200, 503]).toContain(page.statusCode);
    expect(page.headers['content-type']).toMatch(/text\/html/);
  });

  for (const api of ['intake', 'results'] as const) {
    it(`${api}: every /v1 route is in the table with the access it has; everything else is public`, () => {
      const routes = routesOf(apps[api]);
      const unlisted = routes.filter((r) => r.url.startsWith('/v1/') && !(`${r.method} ${r.url}` in EXPECTED[api]));
      expect(unlisted.map((r) => `${r.method} ${r.url} (now ${JSON.stringify(r.access)})`), 'routes with no decision on who may call them').toEqual([]);
      for (const route of routes) {
        const expected = route.url.startsWith('/v1/') ? EXPECTED[api][`${route.method} ${route.url}`]! : 'public';
        expect(same(route.access, expected), `${route.method} ${route.url}: ${JSON.stringify(route.access)}`).toBe(true);
      }
      const present = new Set(routes.map((r) => `${r.method} ${r.url}`));
      for (const route of PUBLIC) expect(present.has(route), route).toBe(true);
    });

    it(`${api}: 401 without a key or with a bad one, 403 for the wrong role, through for the right one`, async () => {
      const app = apps[api];
      const failures: string[] = [];
      for (const route of routesOf(app)) {
        const url = concrete(route.url);
        const send = (headers: Record<string, string>) =>
          app.inject({ method: route.method as 'GET', url, headers, ...(['POST', 'PUT', 'PATCH'].includes(route.method) ? { payload: {} } : {}) });
        const label = `${route.method} ${route.url}`;
        if (route.access === 'public') {
          const status = (await send({})).statusCode;
          if (status === 401 || status === 403) failures.push(`${label} without a key: ${status}`);
          continue;
        }
        const none = (await send({})).statusCode;
        if (none !== 401) failures.push(`${label} without a key: ${none}, want 401`);
        const bad = (await send({ authorization: 'Bearer utw_this-key-was-never-made-0000000000000' })).statusCode;
        if (bad !== 401) failures.push(`${label} with an unknown key: ${bad}, want 401`);
        for (const role of ROLES) {
          const allowed = role === 'admin' || [route.access].flat().includes(role as Role);
          const status = (await send(apps.keys[role])).statusCode;
          if (allowed && (status === 401 || status === 403)) failures.push(`${label} as ${role}: ${status}, want through`);
          if (!allowed && status !== 403) failures.push(`${label} as ${role}: ${status}, want 403`);
        }
      }
      expect(failures).toEqual([]);
    });

    it(`${api}: the OpenAPI document marks every keyed route with its security and the role it needs`, async () => {
      const document = (await apps[api].inject({ method: 'GET', url: '/docs/json' })).json();
      expect(Object.keys(document.components.securitySchemes).sort()).toEqual(['apiKey', 'bearer']);
      for (const route of routesOf(apps[api]).filter((r) => r.url.startsWith('/v1/'))) {
        const path = route.url.replace(/:([A-Za-z]+)/g, '{$1}');
        const operation = document.paths[path]?.[route.method.toLowerCase()];
        expect(operation, `${route.method} ${path} in the docs`).toBeDefined();
        expect(operation.security).toEqual([{ apiKey: [] }, { bearer: [] }]);
        expect(operation.description).toMatch(/^Needs an? .* key\.$/m);
        expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['401', '403', '429']));
      }
    });
  }
});
