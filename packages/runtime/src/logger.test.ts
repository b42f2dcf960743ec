import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

function capture(): { log: Logger; lines: () => string } {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { log: createLogger('test', 'info', sink), lines: () => text };
}

describe('createLogger redaction', () => {
  it.each([
    ['a request key header', { req: { headers: { 'x-api-key': 'utw_SECRET' } } }],
    ['a bearer token', { req: { headers: { authorization: 'Bearer utw_SECRET' } } }],
    ['an outgoing request header', { headers: { authorization: 'utw_SECRET' } }],
    ['a password', { password: 'SECRET' }],
    ['a nested password', { database: { password: 'SECRET' } }],
    ['a made key secret', { key: { secret: 'utw_SECRET' } }],
    ['an api key field', { client: { apiKey: 'utw_SECRET' } }],
  ])('censors %s', (_what, fields) => {
    const { log, lines } = capture();
    log.info(fields, 'logged');
    expect(lines()).not.toContain('SECRET');
    expect(lines()).toContain('[redacted]');
  });

  it('keeps what is not a secret', () => {
    const { log, lines } = capture();
    log.info({ req: { method: 'GET', url: '/v1/flags' }, keyPrefix: 'utw_ab12' }, 'logged');
    expect(lines()).toContain('/v1/flags');
    expect(lines()).toContain('utw_ab12');
  });
});
