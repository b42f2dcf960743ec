import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { errorHandler } from './error-handler.js';
import { isStoreUnavailable } from './unavailable.js';

/** What ioredis throws when Redis answers a write with an error. */
function replyError(message: string): Error {
  const error = new Error(message);
  error.name = 'ReplyError';
  return error;
}

function withCode(code: string): Error {
  return Object.assign(new Error(`failed: ${code}`), { code });
}

describe('isStoreUnavailable', () => {
  it.each([
    ['Redis at maxmemory', replyError("OOM command not allowed when used memory > 'maxmemory'."), true],
    ['connection refused', withCode('ECONNREFUSED'), true],
    ['PostgreSQL shutting down', withCode('57P01'), true],
    ['PostgreSQL starting up', withCode('57P03'), true],
    ['PostgreSQL out of connections', withCode('53300'), true],
    ['PostgreSQL connection failure', withCode('08006'), true],
    ['a PostgreSQL connection lost under a query', new Error('Connection terminated unexpectedly'), true],
    ['no PostgreSQL connection free in time', new Error('Connection terminated due to connection timeout'), true],
    ['another Redis error', replyError('WRONGTYPE Operation against a key holding the wrong kind of value'), false],
    ['a unique violation', withCode('23505'), false],
    ['a syntax error', withCode('42601'), false],
    ['a plain bug', new TypeError('x is undefined'), false],
    ['not an error', 'OOM', false],
  ])('%s: %s', (_what, error, expected) => {
    expect(isStoreUnavailable(error)).toBe(expected);
  });
});

describe('error handler', () => {
  async function answer(thrown: unknown) {
    const app = Fastify();
    await app.register(errorHandler);
    app.get('/thing', async () => {
      throw thrown;
    });
    const response = await app.inject({ method: 'GET', url: '/thing' });
    await app.close();
    return response;
  }

  it('answers a store that is down or full with 503 and Retry-After, without its details', async () => {
    const response = await answer(replyError("OOM command not allowed when used memory > 'maxmemory'."));
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
    const body = response.json();
    expect(body).toMatchObject({ statusCode: 503, code: 'UNAVAILABLE', error: 'Service Unavailable' });
    expect(body.message).toMatch(/send the same request again after 5 s/);
    expect(body.message).not.toMatch(/OOM|maxmemory/);
  });

  it('answers any other failure with a bare 500', async () => {
    const response = await answer(new TypeError('x is undefined'));
    expect(response.statusCode).toBe(500);
    expect(response.headers['retry-after']).toBeUndefined();
    expect(response.json()).toEqual({ statusCode: 500, code: 'INTERNAL', error: 'Internal Server Error', message: 'internal error' });
  });
});
