import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect } from 'vitest';
import { createTestSchema } from '../../../test/support/postgres.js';
import { describeOnDrivers } from '../test/drivers.js';
import { openDatabase } from './database.js';
import { MIGRATIONS } from './migrations/index.js';

const server = await createTestSchema();

describeOnDrivers('Database', server, (db) => {
  it('records every migration it applied', async () => {
    const rows = await db().query<{ id: string }>('SELECT id FROM schema_migrations ORDER BY id');
    expect(rows.map((r) => r.id)).toEqual(MIGRATIONS.map((m) => m.id));
  });

  it('commits a transaction that resolves and rolls back one that throws', async () => {
    await db().query('CREATE TABLE tx_probe (n int)');
    await db().transaction(async (tx) => {
      await tx.query('INSERT INTO tx_probe VALUES (1)');
    });
    await expect(
      db().transaction(async (tx) => {
        await tx.query('INSERT INTO tx_probe VALUES (2)');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await db().query('SELECT n FROM tx_probe')).toEqual([{ n: 1 }]);
  });

  it('returns bigint ids as strings', async () => {
    expect(await db().query(`SELECT 9007199254740993::bigint AS id`)).toEqual([{ id: '9007199254740993' }]);
  });
});

describe('openDatabase', () => {
  it('rejects a schema name it would have to quote', async () => {
    await expect(openDatabase({ dataDir: 'memory://', schema: 'Bad; DROP' })).rejects.toThrow(/schema name/);
  });

  it('keeps a PGlite database on disk across restarts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'undertow-pglite-'));
    try {
      const first = await openDatabase({ dataDir: join(dir, 'nested', 'pglite') });
      await first.query(`INSERT INTO authors (source, id) VALUES ('s', 'kept')`);
      await first.close();
      const second = await openDatabase({ dataDir: join(dir, 'nested', 'pglite') });
      expect(await second.query(`SELECT id FROM authors`)).toEqual([{ id: 'kept' }]);
      expect(await second.query(`SELECT count(*)::int AS n FROM schema_migrations`)).toEqual([{ n: MIGRATIONS.length }]);
      await second.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(server === null)('lets three services open one new schema at once: it is created and migrated once', async () => {
    const schema = `${server!.schema}_fresh`;
    const dbs = await Promise.all([1, 2, 3].map(() => openDatabase({ url: server!.url, schema, poolSize: 2 })));
    try {
      const [db] = dbs;
      expect(await db!.query('SELECT id FROM schema_migrations')).toEqual(MIGRATIONS.map((m) => ({ id: m.id })));
      const tables = await db!.query<{ table_schema: string }>(
        `SELECT DISTINCT table_schema FROM information_schema.tables WHERE table_name IN ('posts', 'flags', 'flag_events')`,
      );
      expect(tables.map((t) => t.table_schema)).toContain(schema);
      // Every pooled connection works in the schema, not just the first.
      const counts = await Promise.all(dbs.flatMap((d) => [d.query('SELECT count(*) FROM posts'), d.query('SELECT count(*) FROM posts')]));
      expect(counts).toHaveLength(6);
    } finally {
      await dbs[0]!.query(`DROP SCHEMA ${schema} CASCADE`);
      await Promise.all(dbs.map((d) => d.close()));
    }
  });
});
