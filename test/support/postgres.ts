import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server integration tests use; `TEST_DATABASE_URL` points them elsewhere. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestSchema {
  url: string;
  schema: string;
  /** Drops the schema and everything in it. */
  drop(): Promise<void>;
}

/** Errors that mean "no server there", as opposed to a server that refuses us. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ETIMEDOUT']);

/**
 * A freshly created, uniquely named schema on the test server, for one test file to use and
 * drop; null when no server is listening. A server that answers but refuses (bad credentials,
 * missing database) is an error, not a reason to skip.
 */
export async function createTestSchema(): Promise<TestSchema | null> {
  const schema = `test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
  } catch (error) {
    if (isUnreachable(error)) return null;
    throw error;
  }
  try {
    await client.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await client.end();
  }
  return {
    url: TEST_DATABASE_URL,
    schema,
    async drop() {
      const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await admin.connect();
      try {
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await admin.end();
      }
    },
  };
}

function isUnreachable(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && UNREACHABLE.has(code)) return true;
  // pg reports its own connection timeout without a code.
  return error instanceof Error && /timeout/i.test(error.message);
}
