import { parseArgs } from 'node:util';
import { ROLES, type ApiKey, type Role } from '@undertow/core';
import type { Config } from '@undertow/config';
import { openStore, type Store } from '@undertow/store';

export const KEYS_USAGE = `usage: undertow keys <create|list|revoke>

  undertow keys create --role <${ROLES.join('|')}> --name <name> [--rate-limit <requests per minute>]
      makes a key and prints it once; only its hash is stored
  undertow keys list [--all]
      lists keys (never the keys themselves); --all includes revoked ones
  undertow keys revoke <id>
      revokes a key; it stops working within seconds

The database is the one the services use (DATABASE_URL, or PGlite under DATA_DIR). PGlite
allows one process at a time: with it, stop \`undertow start\` first, or use POST /v1/keys.`;

/** Thrown for a mistake on the command line: the CLI prints it with the usage and exits 2. */
export class UsageError extends Error {}

/**
 * `undertow keys …`: API keys straight in the database, for the first reviewer keys or when no
 * admin key is at hand. Writes to `out`; answers the exit code.
 */
export async function keysCommand(argv: string[], config: Readonly<Config>, out: (text: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { role: { type: 'string' }, name: { type: 'string' }, 'rate-limit': { type: 'string' }, all: { type: 'boolean' } },
  });
  const [action, ...rest] = positionals;
  if (!action || !['create', 'list', 'revoke'].includes(action)) throw new UsageError(action ? `unknown keys command "${action}"` : 'name a keys command');
  if (action === 'create') {
    if (!values.role || !(ROLES as readonly string[]).includes(values.role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
    if (!values.name?.trim()) throw new UsageError('--name is required: who holds the key');
    const rateLimit = values['rate-limit'] === undefined ? null : Number(values['rate-limit']);
    if (rateLimit !== null && !(Number.isInteger(rateLimit) && rateLimit > 0)) throw new UsageError('--rate-limit must be a positive integer');
  }
  if (action === 'revoke' && !/^[0-9]{1,18}$/.test(rest[0] ?? '')) throw new UsageError('revoke needs the id of the key (see `undertow keys list`)');

  const store = await openStore({
    url: config.database.url ?? undefined,
    schema: config.database.schema ?? undefined,
    dataDir: `${config.dataDir}/pglite`,
    poolSize: 2,
  });
  try {
    return await run(store, action, values, rest, out);
  } finally {
    await store.db.close();
  }
}

async function run(
  store: Store,
  action: string,
  values: { role?: string; name?: string; 'rate-limit'?: string; all?: boolean },
  rest: string[],
  out: (text: string) => void,
): Promise<number> {
  switch (action) {
    case 'create': {
      const { key, secret } = await store.apiKeys.create({
        name: values.name!,
        role: values.role as Role,
        rateLimit: values['rate-limit'] === undefined ? null : Number(values['rate-limit']),
        createdBy: 'cli',
      });
      out(`Made ${key.role} key #${key.id} for ${key.name}. It is shown this once; store it now:\n\n  ${secret}\n\n`);
      return 0;
    }
    case 'list': {
      const keys = await store.apiKeys.list({ includeRevoked: values.all ?? false });
      out(formatKeys(keys));
      return 0;
    }
    default: {
      const key = await store.apiKeys.get(rest[0]!);
      if (!key) {
        out(`no key #${rest[0]}\n`);
        return 1;
      }
      const revoked = await store.apiKeys.revoke(key.id);
      out(`Revoked ${revoked.role} key #${revoked.id} (${revoked.prefix}…) of ${revoked.name}.\n`);
      return 0;
    }
  }
}

function formatKeys(keys: ApiKey[]): string {
  if (keys.length === 0) return 'no keys\n';
  const rows = keys.map((k) => [k.id, k.name, k.role, `${k.prefix}…`, k.rateLimit === null ? 'default' : `${k.rateLimit}/min`, k.lastUsedAt ?? 'never', k.revokedAt ? `revoked ${k.revokedAt}` : 'active']);
  const header = ['id', 'name', 'role', 'key', 'limit', 'last used', 'state'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
