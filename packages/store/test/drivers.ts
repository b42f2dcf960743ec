import { afterAll, beforeAll, describe } from 'vitest';
import type { TestSchema } from '../../../test/support/postgres.js';
import { openDatabase, type Database } from '../src/database.js';

/**
 * Declares `suite` twice: on PGlite in memory, and on the PostgreSQL server in `server`'s schema
 * (skipped when `server` is null, i.e. no server is listening). The schema is dropped after the
 * suite. Tests within a suite share one database, so each uses its own keys.
 */
export function describeOnDrivers(title: string, server: TestSchema | null, suite: (db: () => Database) => void): void {
  describe(`${title} [pglite]`, () => {
    suite(useDatabase(() => openDatabase({ dataDir: 'memory://' })));
  });
  describe.skipIf(server === null)(`${title} [pg]`, () => {
    afterAll(async () => {
      await server?.drop();
    });
    suite(useDatabase(() => openDatabase({ url: server!.url, schema: server!.schema, poolSize: 4 })));
  });
}

function useDatabase(open: () => Promise<Database>): () => Database {
  let db: Database | undefined;
  beforeAll(async () => {
    db = await open();
  });
  afterAll(async () => {
    await db?.close();
  });
  return () => {
    if (!db) throw new Error('database not open yet: use it inside a test or hook');
    return db;
  };
}
