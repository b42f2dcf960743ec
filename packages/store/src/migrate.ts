import type { ScriptRunner } from './database.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';

/**
 * Applies the migrations not yet recorded in `schema_migrations`, each in its own transaction.
 * A transaction-scoped advisory lock per schema makes services that start together against one
 * server take turns: the first applies a migration, the others then find it recorded.
 *
 * @returns the ids applied by this call, in order.
 */
export async function migrate(db: ScriptRunner, migrations: readonly Migration[] = MIGRATIONS): Promise<string[]> {
  const applied: string[] = [];
  for (const migration of migrations) {
    const ran = await db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('undertow.migrate'), hashtext(coalesce(current_schema(), '')))`);
      await tx.exec(
        `CREATE TABLE IF NOT EXISTS schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const done = await tx.query('SELECT 1 FROM schema_migrations WHERE id = $1', [migration.id]);
      if (done.length > 0) return false;
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO schema_migrations (id) VALUES ($1)', [migration.id]);
      return true;
    });
    if (ran) applied.push(migration.id);
  }
  return applied;
}
