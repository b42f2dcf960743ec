import { createHash, randomBytes } from 'node:crypto';
import { InvalidInputError, NotFoundError, ROLES, type ApiKey, type Role } from '@undertow/core';
import { isId, isoOrNull, isoString } from '../codec.js';
import type { Database } from '../database.js';

/** Marks a string as an Undertow key, so secret scanners and people can tell what it is. */
export const API_KEY_PREFIX = 'utw_';

/** Characters of a key kept in the clear: the marker and six random characters. */
const VISIBLE_CHARS = API_KEY_PREFIX.length + 6;

/** Keys given from outside (`UNDERTOW_ADMIN_KEY`) must be at least this long. */
export const MIN_SECRET_CHARS = 24;
const MAX_SECRET_CHARS = 256;
const PRINTABLE = /^[\x21-\x7e]+$/;

/** A new key: 256 random bits, URL-safe. */
export function generateApiKey(): string {
  return `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/**
 * SHA-256 of the key. The key is random and long, so a fast hash is enough: there is no
 * dictionary to try, unlike with a password.
 */
export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export interface NewApiKey {
  name: string;
  role: Role;
  rateLimit?: number | null;
  createdBy?: string | null;
}

export interface CreatedApiKey {
  key: ApiKey;
  /** The key itself: shown once, never stored. */
  secret: string;
}

/** What `ensureAdmin` did on startup. */
export type AdminBootstrap =
  | { action: 'exists' }
  | { action: 'seeded'; key: ApiKey }
  | { action: 'created'; key: ApiKey; secret: string };

interface ApiKeyRow {
  id: string;
  name: string;
  role: Role;
  prefix: string;
  rate_limit: number | null;
  created_at: Date;
  created_by: string | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const COLUMNS = 'id, name, role, prefix, rate_limit, created_at, created_by, last_used_at, revoked_at';

export class ApiKeyRepository {
  constructor(private readonly db: Database) {}

  /** Makes a key with a fresh secret; the secret is in the answer and nowhere else. */
  async create(input: NewApiKey): Promise<CreatedApiKey> {
    const secret = generateApiKey();
    return { key: await this.insert(this.db, input, secret), secret };
  }

  /**
   * The active key whose secret this is, or null. Malformed secrets answer null without a
   * query, so junk in a header costs nothing.
   */
  async findBySecret(secret: string): Promise<ApiKey | null> {
    if (secret.length < MIN_SECRET_CHARS || secret.length > MAX_SECRET_CHARS || !PRINTABLE.test(secret)) return null;
    const rows = await this.db.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE hash = $1 AND revoked_at IS NULL`, [hashApiKey(secret)]);
    return rows[0] ? toApiKey(rows[0]) : null;
  }

  async get(id: string): Promise<ApiKey | null> {
    if (!isId(id)) return null;
    const rows = await this.db.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE id = $1`, [id]);
    return rows[0] ? toApiKey(rows[0]) : null;
  }

  /** Every key, newest first; revoked ones only when asked. */
  async list(opts: { includeRevoked?: boolean } = {}): Promise<ApiKey[]> {
    const rows = await this.db.query<ApiKeyRow>(
      `SELECT ${COLUMNS} FROM api_keys ${opts.includeRevoked ? '' : 'WHERE revoked_at IS NULL'} ORDER BY id DESC`,
    );
    return rows.map(toApiKey);
  }

  /**
   * Revokes a key; revoking a revoked key changes nothing.
   *
   * @throws NotFoundError when there is no such key.
   */
  async revoke(id: string): Promise<ApiKey> {
    if (!isId(id)) throw new NotFoundError('api key', id);
    const rows = await this.db.query<ApiKeyRow>(
      `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING ${COLUMNS}`,
      [id],
    );
    if (!rows[0]) throw new NotFoundError('api key', id);
    return toApiKey(rows[0]);
  }

  /** Records that a key was used; at most one write a minute per key. */
  async touch(id: string): Promise<void> {
    if (!isId(id)) return;
    await this.db.query(
      `UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
      [id],
    );
  }

  /**
   * Makes sure an admin can get in. With `seed` (a key given by the operator), that key exists
   * as an admin key named `admin`. Without, when no active admin key exists, one is created and
   * its secret answered, for the caller to print once. Services starting together take turns
   * on an advisory lock, so only one of them creates a key.
   */
  async ensureAdmin(seed: string | null): Promise<AdminBootstrap> {
    if (seed !== null && (seed.length < MIN_SECRET_CHARS || seed.length > MAX_SECRET_CHARS || !PRINTABLE.test(seed))) {
      throw new InvalidInputError(`the admin key must be ${MIN_SECRET_CHARS} to ${MAX_SECRET_CHARS} printable characters`);
    }
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('undertow.api_keys'), hashtext(coalesce(current_schema(), '')))`);
      if (seed !== null) {
        const existing = await tx.query<ApiKeyRow>(`SELECT ${COLUMNS} FROM api_keys WHERE hash = $1`, [hashApiKey(seed)]);
        if (existing[0]) {
          if (existing[0].role !== 'admin' || existing[0].revoked_at !== null) {
            throw new InvalidInputError('the configured admin key belongs to a revoked or non-admin key; choose another');
          }
          return { action: 'exists' };
        }
        return { action: 'seeded', key: await this.insert(tx, { name: 'admin', role: 'admin', createdBy: 'config' }, seed) };
      }
      const admins = await tx.query(`SELECT 1 FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL LIMIT 1`);
      if (admins.length > 0) return { action: 'exists' };
      const secret = generateApiKey();
      return { action: 'created', key: await this.insert(tx, { name: 'admin', role: 'admin', createdBy: 'first start' }, secret), secret };
    });
  }

  private async insert(db: Pick<Database, 'query'>, input: NewApiKey, secret: string): Promise<ApiKey> {
    if (!(ROLES as readonly string[]).includes(input.role)) throw new InvalidInputError(`unknown role ${JSON.stringify(input.role)}`);
    if (!input.name.trim()) throw new InvalidInputError('a key needs a name');
    const prefix = secret.startsWith(API_KEY_PREFIX) ? secret.slice(0, VISIBLE_CHARS) : secret.slice(0, 4);
    const [row] = await db.query<ApiKeyRow>(
      `INSERT INTO api_keys (name, role, prefix, hash, rate_limit, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
      [input.name.trim(), input.role, prefix, hashApiKey(secret), input.rateLimit ?? null, input.createdBy ?? null],
    );
    return toApiKey(row!);
  }
}

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    prefix: row.prefix,
    rateLimit: row.rate_limit,
    createdAt: isoString(row.created_at),
    createdBy: row.created_by,
    lastUsedAt: isoOrNull(row.last_used_at),
    revokedAt: isoOrNull(row.revoked_at),
  };
}
