/** A schema change: `sql` may hold several statements and runs in one transaction. */
export interface Migration {
  /** Recorded in `schema_migrations`; never rename one that has shipped. */
  id: string;
  sql: string;
}
