import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('gives working defaults for the one-process product', () => {
    const config = loadConfig({}, 2);
    expect(config.database.url).toBeNull();
    expect(config.redis).toMatchObject({ url: 'redis://127.0.0.1:6379', isDefault: true, prefix: 'undertow' });
    expect(config.intake.port).toBe(8080);
    expect(config.results.port).toBe(8081);
    expect(config.model).toMatchObject({ enabled: true, dtype: 'q8', threads: 2 });
    expect(Object.isFrozen(config.worker)).toBe(true);
  });

  it.each([
    [{ INTAKE_PORT: 'eighty' }, /INTAKE_PORT must be an integer/],
    [{ MODEL_DTYPE: 'int4' }, /MODEL_DTYPE must be one of fp32, q8/],
    [{ REDIS_URL: 'localhost:6379' }, /REDIS_URL must start with/],
    [{ DATABASE_SCHEMA: 'x; drop table' }, /DATABASE_SCHEMA must be a lower-case SQL identifier/],
    [{ WORKER_CONCURRENCY: '8', WORKER_BATCH_SIZE: '64' }, /WORKER_CONCURRENCY \(8\) must be at least/],
    [{ INTAKE_PORT: '9000', RESULTS_PORT: '9000' }, /RESULTS_PORT must differ/],
    [{ UNDERTOW_ADMIN_KEY: 'too-short' }, /UNDERTOW_ADMIN_KEY must be 24 to 256 printable characters/],
    [{ UNDERTOW_ADMIN_KEY: 'a key with spaces in it, long enough' }, /UNDERTOW_ADMIN_KEY must be/],
    [{ RATE_LIMIT_REVIEWER: '0' }, /RATE_LIMIT_REVIEWER must be an integer/],
  ])('stops on a bad setting and names it: %o', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('reads the admin key to seed and the per-role rate limits', () => {
    const config = loadConfig({ UNDERTOW_ADMIN_KEY: 'utw_seeded-admin-key-for-tests', RATE_LIMIT_SUBMITTER: '100' });
    expect(config.auth.adminKey).toBe('utw_seeded-admin-key-for-tests');
    expect(config.auth.rateLimitPerMinute).toEqual({ submitter: 100, reviewer: 6000, admin: 6000 });
    expect(loadConfig({}).auth.adminKey).toBeNull();
  });

  it('turns semantic matching off with MODEL=none', () => {
    expect(loadConfig({ MODEL: 'none' }).model.enabled).toBe(false);
  });
});
