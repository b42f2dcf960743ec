import { describe, expect, it } from 'vitest';
import { InvalidInputError, NotFoundError } from '@undertow/core';
import { createTestSchema } from '../../../../test/support/postgres.js';
import { describeOnDrivers } from '../../test/drivers.js';
import { API_KEY_PREFIX, ApiKeyRepository, generateApiKey, hashApiKey } from './api-key-repository.js';

const server = await createTestSchema();

describe('generateApiKey', () => {
  it('makes long, distinct, URL-safe keys', () => {
    const keys = new Set(Array.from({ length: 1000 }, generateApiKey));
    expect(keys.size).toBe(1000);
    for (const key of keys) expect(key).toMatch(new RegExp(`^${API_KEY_PREFIX}[A-Za-z0-9_-]{43}$`));
  });
});

describeOnDrivers('ApiKeyRepository', server, (db) => {
  const keys = () => new ApiKeyRepository(db());

  it('stores only a hash and a short prefix; the secret finds its key until revoked', async () => {
    const { key, secret } = await keys().create({ name: 'alice', role: 'reviewer', createdBy: 'root' });
    expect(key).toMatchObject({ name: 'alice', role: 'reviewer', rateLimit: null, createdBy: 'root', revokedAt: null, lastUsedAt: null });
    expect(secret.startsWith(key.prefix)).toBe(true);
    expect(key.prefix.length).toBeLessThan(12);

    const [row] = await db().query<Record<string, unknown>>('SELECT * FROM api_keys WHERE id = $1', [key.id]);
    expect(Object.values(row!).map(String)).not.toContain(secret);
    expect(row!['hash']).toBe(hashApiKey(secret));

    expect(await keys().findBySecret(secret)).toEqual(key);
    expect(await keys().findBySecret(`${secret}x`)).toBeNull();
    expect(await keys().findBySecret('short')).toBeNull();

    await keys().touch(key.id);
    expect((await keys().get(key.id))!.lastUsedAt).not.toBeNull();

    const revoked = await keys().revoke(key.id);
    expect(revoked.revokedAt).not.toBeNull();
    expect(await keys().findBySecret(secret)).toBeNull();
    expect((await keys().list()).map((k) => k.id)).not.toContain(key.id);
    expect((await keys().list({ includeRevoked: true })).map((k) => k.id)).toContain(key.id);
    await expect(keys().revoke('999999999')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('refuses an unknown role', async () => {
    await expect(keys().create({ name: 'x', role: 'root' as never })).rejects.toBeInstanceOf(InvalidInputError);
  });
});

/** Bootstrapping needs a database of its own: it looks at every admin key there is. */
describeOnDrivers('ApiKeyRepository.ensureAdmin', await createTestSchema(), (db) => {
  const keys = () => new ApiKeyRepository(db());

  it('makes one admin key on first start, however many services start at once, and none after', async () => {
    const outcomes = await Promise.all(Array.from({ length: 4 }, () => keys().ensureAdmin(null)));
    const created = outcomes.filter((o) => o.action === 'created');
    expect(created).toHaveLength(1);
    expect(outcomes.filter((o) => o.action === 'exists')).toHaveLength(3);
    const { secret } = created[0] as { secret: string };
    expect((await keys().findBySecret(secret))!.role).toBe('admin');
    expect(await keys().ensureAdmin(null)).toEqual({ action: 'exists' });
  });

  it('seeds a configured key once, and refuses one that belongs to a revoked key', async () => {
    const seed = `seeded-${generateApiKey()}`;
    expect((await keys().ensureAdmin(seed)).action).toBe('seeded');
    expect(await keys().ensureAdmin(seed)).toEqual({ action: 'exists' });
    const key = (await keys().findBySecret(seed))!;
    expect(key).toMatchObject({ role: 'admin', name: 'admin', createdBy: 'config' });
    await keys().revoke(key.id);
    await expect(keys().ensureAdmin(seed)).rejects.toThrow(/revoked or non-admin/);
    await expect(keys().ensureAdmin('too short')).rejects.toBeInstanceOf(InvalidInputError);
  });
});
