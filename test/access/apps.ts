import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { loadConfig } from '@undertow/config';
import { buildIntakeApp, createIntakeContext, type IntakeContext } from '@undertow/intake';
import { createRedis } from '@undertow/queue';
import { buildResultsApp, createResultsContext, type ResultsContext } from '@undertow/results';
import { openDatabase, type Database } from '@undertow/store';
import type { TestSchema } from '../support/postgres.js';

export interface BuiltApps {
  intake: FastifyInstance;
  results: FastifyInstance;
  resultsCtx: ResultsContext;
  intakeCtx: IntakeContext;
  db: Database;
  /** One key per role, as request headers. */
  keys: Record<'submitter' | 'reviewer' | 'admin', Record<string, string>>;
  close(): Promise<void>;
}

/**
 * Both APIs as the product builds them, over one real database (PGlite in memory, or the test
 * server's schema) and the test run's private Redis, with a key of each role.
 */
export async function buildApps(redisUrl: string, server: TestSchema | null = null): Promise<BuiltApps> {
  const adminKey = `test-admin-${randomUUID()}`;
  const config = loadConfig({ REDIS_URL: redisUrl, REDIS_PREFIX: `access-${randomUUID()}`, MODEL: 'none', UNDERTOW_ADMIN_KEY: adminKey, LOG_LEVEL: 'warn' });
  const db = server ? await openDatabase({ url: server.url, schema: server.schema, poolSize: 6 }) : await openDatabase({ dataDir: 'memory://' });
  const redis = createRedis(redisUrl);
  const log = pino({ level: 'warn' });
  const resultsCtx = await createResultsContext(config, log, { redis, db });
  const intakeCtx = await createIntakeContext(config, log, { redis, db });
  await resultsCtx.store.apiKeys.ensureAdmin(adminKey);
  const results = await buildResultsApp(resultsCtx);
  const intake = await buildIntakeApp(intakeCtx);
  await Promise.all([results.ready(), intake.ready()]);
  const make = async (role: 'submitter' | 'reviewer') => ({ 'x-api-key': (await resultsCtx.store.apiKeys.create({ name: `${role}-${randomUUID().slice(0, 6)}`, role })).secret });
  return {
    intake,
    results,
    resultsCtx,
    intakeCtx,
    db,
    keys: { submitter: await make('submitter'), reviewer: await make('reviewer'), admin: { 'x-api-key': adminKey } },
    async close() {
      await intake.close();
      await results.close();
      await intakeCtx.close();
      await resultsCtx.close();
      redis.disconnect();
      await db.close();
      await server?.drop();
    },
  };
}
