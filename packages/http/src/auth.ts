import { createHash } from 'node:crypto';
import fp from 'fastify-plugin';
import rateLimit from '@fastify/rate-limit';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest, RouteOptions } from 'fastify';
import { ForbiddenError, ROLES, UnauthorizedError, type ApiKey, type Role } from '@undertow/core';
import { ErrorResponse } from './error-handler.js';

/**
 * Who may call a route: anyone (`public`), or keys of the roles named. An admin key may call
 * every route.
 */
export type Access = 'public' | Role | readonly Role[];

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route; under `/v1/` a route that does not say is for admins only. */
    access?: Access;
  }
  interface FastifyRequest {
    /** The key the request came with; null on public routes called without one. */
    apiKey: ApiKey | null;
  }
  interface FastifyInstance {
    /** Every route with the access it ended up with, in registration order. */
    routeAccess(): RouteAccess[];
  }
}

export interface RouteAccess {
  method: string;
  url: string;
  access: Access;
}

/** The look-ups the plugin needs of the key store. */
export interface ApiKeyLookup {
  findBySecret(secret: string): Promise<ApiKey | null>;
  /** Records that a key was used. */
  touch(id: string): Promise<void>;
}

export interface AuthOptions {
  keys: ApiKeyLookup;
  /** Requests per minute per key by role, unless the key has its own limit. */
  rateLimitPerMinute: Readonly<Record<Role, number>>;
  /**
   * An ioredis client: rate-limit counters are then shared by every instance of the service.
   * Without one, each process counts on its own.
   */
  redis?: unknown;
  /** Key prefix of the counters in Redis. Default `undertow`. */
  redisPrefix?: string;
  /**
   * How long a key found in the store is trusted before it is looked up again, which is also
   * how long a revoked key keeps working. Default 10 s.
   */
  cacheMs?: number;
}

/** Routes under this prefix need a key; everything else (health, docs, metrics, the console) is public. */
const API_PREFIX = '/v1/';

/** Where a request's key is read from; `x-api-key` wins when both are sent. */
export function keyFromHeaders(headers: FastifyRequest['headers']): string | null {
  const header = headers['x-api-key'];
  if (typeof header === 'string' && header.trim()) return header.trim();
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1]!;
  }
  return null;
}

/** Whether a key of `role` may call a route with `access`. */
export function allows(access: Access, role: Role): boolean {
  if (access === 'public' || role === 'admin') return true;
  return typeof access === 'string' ? access === role : access.includes(role);
}

function describeAccess(access: Exclude<Access, 'public'>): string {
  const roles = typeof access === 'string' ? [access] : [...access];
  const named = [...new Set([...roles.filter((r) => r !== 'admin'), 'admin'])];
  return named.length === 1 ? `an ${named[0]} key` : `a ${named.slice(0, -1).join(', ')} or ${named.at(-1)} key`;
}

/**
 * API keys for one API: reads the key from `x-api-key` or `Authorization: Bearer`, checks it
 * against the route's `access` (401 without a valid key, 403 with the wrong role) before the
 * body is read, and limits each key's requests per minute (429 with `Retry-After`). Register
 * before any route: access is settled as routes are added.
 */
export const auth = fp(
  async (app: FastifyInstance, options: AuthOptions) => {
    const cacheMs = options.cacheMs ?? 10_000;
    const cache = new Map<string, { key: ApiKey; until: number }>();
    const routes: RouteAccess[] = [];

    app.decorateRequest('apiKey', null);
    app.decorate('routeAccess', () => routes.map((r) => ({ ...r })));

    app.addHook('onRoute', (route: RouteOptions) => {
      const access: Access = route.config?.access ?? (route.url.startsWith(API_PREFIX) ? 'admin' : 'public');
      route.config = { ...route.config, access } as RouteOptions['config'];
      if (access !== 'public' && route.schema && !route.schema.hide) {
        const description = `Needs ${describeAccess(access)}.`;
        route.schema = {
          ...route.schema,
          security: [{ apiKey: [] }, { bearer: [] }],
          description: route.schema.description ? `${route.schema.description}\n\n${description}` : description,
          response: { 401: ErrorResponse, 403: ErrorResponse, 429: ErrorResponse, ...(route.schema.response as object | undefined) },
        };
      }
      for (const method of [route.method].flat()) routes.push({ method, url: route.url, access });
    });

    async function lookUp(secret: string): Promise<ApiKey | null> {
      const digest = createHash('sha256').update(secret).digest('hex');
      const cached = cache.get(digest);
      const now = Date.now();
      if (cached && cached.until > now) return cached.key;
      let key: ApiKey | null;
      try {
        key = await options.keys.findBySecret(secret);
      } catch (error) {
        // The key store is out of reach (the database restarting): a key it vouched for a
        // moment ago still stands, so intake keeps taking posts in through the outage.
        if (cached) return cached.key;
        throw error;
      }
      if (!key) {
        cache.delete(digest);
        return null;
      }
      // Bounded: a flood of distinct valid keys is unlikely, but memory must not grow forever.
      if (cache.size >= 10_000) cache.clear();
      cache.set(digest, { key, until: now + cacheMs });
      await options.keys.touch(key.id);
      return key;
    }

    app.addHook('onRequest', async (request, reply) => {
      const access: Access = request.routeOptions.config?.access ?? 'public';
      const secret = keyFromHeaders(request.headers);
      if (access === 'public') {
        // A key on a public route still names the caller (the console's sign-in check).
        if (secret) request.apiKey = await lookUp(secret);
        return;
      }
      if (!secret) {
        void reply.header('www-authenticate', 'Bearer');
        throw new UnauthorizedError('this route needs an API key: send it in the x-api-key header or as Authorization: Bearer <key>');
      }
      const key = await lookUp(secret);
      if (!key) {
        void reply.header('www-authenticate', 'Bearer error="invalid_token"');
        throw new UnauthorizedError('the API key is not valid: unknown or revoked');
      }
      request.apiKey = key;
      if (!allows(access, key.role)) {
        throw new ForbiddenError(`this route needs ${describeAccess(access)}; the key "${key.name}" is a ${key.role} key`);
      }
    });

    await app.register(rateLimit, {
      global: true,
      hook: 'onRequest',
      timeWindow: 60_000,
      // Requests without a key were answered above, or are on public routes: not limited here.
      allowList: (request) => request.apiKey === null,
      keyGenerator: (request) => `key:${request.apiKey?.id ?? request.ip}`,
      max: (request) => (request.apiKey ? (request.apiKey.rateLimit ?? options.rateLimitPerMinute[request.apiKey.role]) : 0),
      ...(options.redis ? { redis: options.redis as never, nameSpace: `${options.redisPrefix ?? 'undertow'}:rate-limit:` } : {}),
      errorResponseBuilder: (_request, context) =>
        Object.assign(new Error(`this key may make ${context.max} requests a minute; retry in ${context.after}`), {
          statusCode: 429,
          code: 'RATE_LIMITED',
        }),
    });
  },
  { name: 'undertow-auth' },
);

/**
 * `GET /v1/me`: which key a request was made with. Registered after the docs plugin, so that
 * it is in the OpenAPI document.
 */
export function meRoute(rateLimitPerMinute: Readonly<Record<Role, number>>): FastifyPluginAsync {
  return async (app) => {
    app.get(
      '/v1/me',
      {
        config: { access: ROLES },
        schema: {
          summary: 'The key this request was made with: its name, role and rate limit',
          response: {
            200: Type.Object({
              id: Type.String(),
              name: Type.String(),
              role: Type.String(),
              prefix: Type.String(),
              rateLimitPerMinute: Type.Integer(),
            }),
          },
        },
      },
      async (request) => {
        const key = request.apiKey!;
        return { id: key.id, name: key.name, role: key.role, prefix: key.prefix, rateLimitPerMinute: key.rateLimit ?? rateLimitPerMinute[key.role] };
      },
    );
  };
}
