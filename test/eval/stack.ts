import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { startPrivateRedis, type PrivateRedis } from '../support/redis-server.js';
import { createTestSchema } from '../support/postgres.js';
import { freePort, startService, waitReady, type ServiceProcess } from '../support/services.js';

/** The three real services as processes on a private Redis and a fresh PostgreSQL schema. */
export interface EvalStack {
  intake: string;
  results: string;
  headers: Record<string, string>;
  db: pg.Pool;
  services: ServiceProcess[];
  stop(): Promise<void>;
}

export async function startStack(env: Record<string, string> = {}): Promise<EvalStack> {
  const schema = await createTestSchema();
  if (!schema) throw new Error('the evaluation needs PostgreSQL at 127.0.0.1:5432 (or TEST_DATABASE_URL)');
  const redis: PrivateRedis = await startPrivateRedis({ appendonly: false });
  const adminKey = `eval-admin-${randomUUID()}`;
  const [intakePort, resultsPort] = [await freePort(), await freePort()];
  const common = {
    DATABASE_URL: schema.url,
    DATABASE_SCHEMA: schema.schema,
    REDIS_URL: redis.url,
    INTAKE_PORT: String(intakePort),
    RESULTS_PORT: String(resultsPort),
    UNDERTOW_ADMIN_KEY: adminKey,
    MODEL: 'none',
    INTAKE_MAX_QUEUE_DEPTH: '1000000',
    RATE_LIMIT_ADMIN: '1000000',
    ...env,
  };
  const services: ServiceProcess[] = [startService('results', common)];
  const results = `http://127.0.0.1:${resultsPort}`;
  const intake = `http://127.0.0.1:${intakePort}`;
  await waitReady(results, services[0]!);
  services.push(startService('intake', common), startService('worker', common));
  await waitReady(intake, services[1]!);
  const db = new pg.Pool({ connectionString: schema.url, options: `-c search_path=${schema.schema}`, max: 2 });
  return {
    intake,
    results,
    headers: { 'x-api-key': adminKey },
    db,
    services,
    async stop() {
      await Promise.all(services.map((s) => s.kill()));
      await db.end();
      await redis.stop();
      await schema.drop();
    },
  };
}
