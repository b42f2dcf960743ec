import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiKey, Role } from '@undertow/core';
import { allows, auth, keyFromHeaders, meRoute, type ApiKeyLookup } from './auth.js';
import { errorHandler } from './error-handler.js';

function apiKey(id: string, role: Role, rateLimit: number | null = null): ApiKey {
  return { id, name: `${role}-${id}`, role, prefix: 'utw_abc', rateLimit, createdAt: '2026-01-01T00:00:00.000Z', createdBy: null, lastUsedAt: null, revokedAt: null };
}

/** Keys in a map; a secret may be revoked (deleted). Records every call. */
class KeyTable implements ApiKeyLookup {
  readonly calls: string[] = [];
  constructor(readonly keys: Map<string, ApiKey>) {}
  async findBySecret(secret: string) {
    this.calls.push(`find ${secret}`);
    return this.keys.get(secret) ?? null;
  }
  async touch(id: string) {
    this.calls.push(`touch ${id}`);
  }
}

const SECRETS = { submitter: 'submitter-secret-0123456789', reviewer: 'reviewer-secret-0123456789', admin: 'admin-secret-0123456789abc', tight: 'tight-secret-0123456789abcd' };

async function build(opts: { cacheMs?: number } = {}) {
  const table = new KeyTable(
    new Map([
      [SECRETS.submitter, apiKey('1', 'submitter')],
      [SECRETS.reviewer, apiKey('2', 'reviewer')],
      [SECRETS.admin, apiKey('3', 'admin')],
      [SECRETS.tight, apiKey('4', 'reviewer', 2)],
    ]),
  );
  const app = Fastify();
  await app.register(errorHandler);
  await app.register(auth, { keys: table, rateLimitPerMinute: { submitter: 100, reviewer: 100, admin: 100 }, ...opts });
  await app.register(meRoute({ submitter: 100, reviewer: 100, admin: 100 }));
  app.post('/v1/posts', { config: { access: 'submitter' } }, async () => ({ ok: true }));
  app.get('/v1/flags', { config: { access: 'reviewer' } }, async (request) => ({ actor: request.apiKey!.name }));
  app.get('/v1/patterns', { config: { access: ['reviewer'] } }, async () => ({ ok: true }));
  app.get('/v1/secret-admin-thing', async () => ({ ok: true }));
  app.get('/healthz', async () => ({ ok: true }));
  await app.ready();
  return { app, table };
}

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe('auth plugin', () => {
  it.each([
    // route, key, status
    ['POST /v1/posts', null, 401],
    ['POST /v1/posts', 'submitter', 200],
    ['POST /v1/posts', 'reviewer', 403],
    ['POST /v1/posts', 'admin', 200],
    ['GET /v1/flags', 'submitter', 403],
    ['GET /v1/flags', 'reviewer', 200],
    ['GET /v1/patterns', 'reviewer', 200],
    ['GET /v1/patterns', 'submitter', 403],
    // A route under /v1 that does not say who may call it is for admins only.
    ['GET /v1/secret-admin-thing', 'reviewer', 403],
    ['GET /v1/secret-admin-thing', 'admin', 200],
    ['GET /healthz', null, 200],
    ['GET /v1/nowhere', null, 404],
  ] as const)('%s with a %s key answers %i', async (route, role, status) => {
    const { app } = await build();
    close = () => app.close();
    const [method, url] = route.split(' ') as ['GET' | 'POST', string];
    const response = await app.inject({ method, url, headers: role ? { 'x-api-key': SECRETS[role] } : {}, ...(method === 'POST' ? { payload: {} } : {}) });
    expect(response.statusCode).toBe(status);
    if (status === 401) expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('explains a refusal: the missing key, a bad key, the role needed', async () => {
    const { app } = await build();
    close = () => app.close();
    const none = await app.inject({ method: 'GET', url: '/v1/flags' });
    expect(none.json()).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED', message: expect.stringMatching(/x-api-key header or as Authorization: Bearer/) });
    const bad = await app.inject({ method: 'GET', url: '/v1/flags', headers: { authorization: 'Bearer not-a-key-but-long-enough-000' } });
    expect(bad.json()).toMatchObject({ statusCode: 401, message: expect.stringMatching(/not valid/) });
    const wrong = await app.inject({ method: 'GET', url: '/v1/flags', headers: { 'x-api-key': SECRETS.submitter } });
    expect(wrong.json()).toMatchObject({ statusCode: 403, code: 'FORBIDDEN', message: 'this route needs a reviewer or admin key; the key "submitter-1" is a submitter key' });
  });

  it('accepts the key as a Bearer token and names the caller', async () => {
    const { app } = await build();
    close = () => app.close();
    const response = await app.inject({ method: 'GET', url: '/v1/flags', headers: { authorization: `Bearer ${SECRETS.reviewer}` } });
    expect(response.json()).toEqual({ actor: 'reviewer-2' });
    const me = await app.inject({ method: 'GET', url: '/v1/me', headers: { 'x-api-key': SECRETS.submitter } });
    expect(me.json()).toEqual({ id: '1', name: 'submitter-1', role: 'submitter', prefix: 'utw_abc', rateLimitPerMinute: 100 });
  });

  it('limits each key to its requests per minute, with Retry-After; other keys are unaffected', async () => {
    const { app } = await build();
    close = () => app.close();
    const get = (secret: string) => app.inject({ method: 'GET', url: '/v1/flags', headers: { 'x-api-key': secret } });
    expect((await get(SECRETS.tight)).statusCode).toBe(200);
    expect((await get(SECRETS.tight)).statusCode).toBe(200);
    const limited = await get(SECRETS.tight);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json()).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringMatching(/2 requests a minute/) });
    expect((await get(SECRETS.reviewer)).statusCode).toBe(200);
  });

  it('looks a key up once per cache period, so a revoked key stops working when it runs out', async () => {
    const { app, table } = await build({ cacheMs: 50 });
    close = () => app.close();
    const get = () => app.inject({ method: 'GET', url: '/v1/flags', headers: { 'x-api-key': SECRETS.reviewer } });
    expect((await get()).statusCode).toBe(200);
    expect((await get()).statusCode).toBe(200);
    expect(table.calls).toEqual([`find ${SECRETS.reviewer}`, 'touch 2']);
    table.keys.delete(SECRETS.reviewer);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect((await get()).statusCode).toBe(401);
  });

  it('lists every route with its access', async () => {
    const { app } = await build();
    close = () => app.close();
    const listed = app.routeAccess().filter((r) => r.method !== 'HEAD');
    expect(listed).toEqual(
      expect.arrayContaining([
        { method: 'POST', url: '/v1/posts', access: 'submitter' },
        { method: 'GET', url: '/v1/secret-admin-thing', access: 'admin' },
        { method: 'GET', url: '/healthz', access: 'public' },
        { method: 'GET', url: '/v1/me', access: ['submitter', 'reviewer', 'admin'] },
      ]),
    );
  });
});

describe('keyFromHeaders and allows', () => {
  it.each([
    [{ 'x-api-key': ' abc ' }, 'abc'],
    [{ authorization: 'Bearer abc' }, 'abc'],
    [{ authorization: 'bearer   abc  ' }, 'abc'],
    [{ authorization: 'Basic abc' }, null],
    [{ 'x-api-key': 'one', authorization: 'Bearer two' }, 'one'],
    [{}, null],
  ])('%o gives %s', (headers, key) => {
    expect(keyFromHeaders(headers)).toBe(key);
  });

  it('lets admins through everywhere and others where named', () => {
    expect(allows('reviewer', 'admin')).toBe(true);
    expect(allows('reviewer', 'submitter')).toBe(false);
    expect(allows(['submitter', 'reviewer'], 'submitter')).toBe(true);
    expect(allows('public', 'submitter')).toBe(true);
  });
});
