import { describe, it, expect } from 'vitest';
import type { Score } from '@undertow/core';
import { createTestSchema } from '../../../../test/support/postgres.js';
import { describeOnDrivers } from '../../test/drivers.js';
import { newPost, uniqueSource } from '../../test/fixtures.js';
import { AuthorRepository } from './author-repository.js';
import { EmbeddingRepository } from './embedding-repository.js';
import { EngagementRepository } from './engagement-repository.js';
import { PostRepository } from './post-repository.js';
import { ScoreRepository } from './score-repository.js';

// The smaller repositories share one file, and so one database per driver: PGlite takes
// seconds to initialise.
const server = await createTestSchema();

describeOnDrivers('small repositories', server, (db) => {
  describe('AuthorRepository', () => {
    const authors = () => new AuthorRepository(db());

    it('fills in what becomes known and never forgets a known value', async () => {
      const source = uniqueSource();
      await authors().upsertMany([{ source, id: 'u1', handle: 'burner1', createdAt: '2019-10-20T00:00:00Z' }]);
      await authors().upsertMany([{ source, id: 'u1', followers: 3 }]);
      await authors().upsertMany([{ source, id: 'u1', handle: 'burner1-renamed', karma: -2 }]);
      expect(await authors().get(source, 'u1')).toEqual({
        source,
        id: 'u1',
        handle: 'burner1-renamed',
        createdAt: '2019-10-20T00:00:00.000Z',
        followers: 3,
        karma: -2,
        firstSeenAt: expect.any(String),
      });
    });

    it('merges an author repeated within one batch, later known values first', async () => {
      const source = uniqueSource();
      await authors().upsertMany([
        { source, id: 'u2', handle: 'a', followers: 1 },
        { source, id: 'u3' },
        { source, id: 'u2', followers: 5 },
      ]);
      expect(await authors().getMany([{ source, id: 'u2' }, { source, id: 'u3' }, { source, id: 'nobody' }])).toEqual([
        expect.objectContaining({ id: 'u2', handle: 'a', followers: 5, karma: null }),
        expect.objectContaining({ id: 'u3', handle: null, createdAt: null }),
      ]);
    });
  });

  describe('EngagementRepository', () => {
    const engagement = () => new EngagementRepository(db());

    it('records each observation once and answers the latest known value of each count', async () => {
      const source = uniqueSource();
      const updates = [
        { source, externalId: 'e1', observedAt: '2019-10-21T14:00:00Z', engagement: { score: 1, comments: 0 } },
        { source, externalId: 'e1', observedAt: '2019-10-22T14:00:00Z', engagement: { views: 40 } },
        { source, externalId: 'e1', observedAt: '2019-10-21T20:00:00Z', engagement: { score: 2, comments: 1 } },
        // Before any post e2 exists: kept for when it arrives.
        { source, externalId: 'e2', observedAt: '2019-10-21T14:00:00Z', engagement: { shares: 9 } },
      ];
      expect(await engagement().recordMany(updates)).toBe(4);
      expect(await engagement().recordMany(updates)).toBe(0);

      const latest = await engagement().latestFor([
        { source, externalId: 'e1' },
        { source, externalId: 'e2' },
        { source, externalId: 'never' },
      ]);
      expect([...latest.entries()].sort()).toEqual([
        [`${source}\u0000e1`, { observedAt: '2019-10-22T14:00:00.000Z', score: 2, comments: 1, views: 40 }],
        [`${source}\u0000e2`, { observedAt: '2019-10-21T14:00:00.000Z', shares: 9 }],
      ]);
    });
  });

  describe('EmbeddingRepository', () => {
    const embeddings = () => new EmbeddingRepository(db());

    it('round-trips vectors bit for bit, per model, and keeps the first vector stored', async () => {
      const vector = Float32Array.from([0.1, -0.2, 3.4028234663852886e38, -0, Number.MIN_VALUE, 1 / 3]);
      const hash = uniqueSource();
      expect(await embeddings().putMany('model-a', [{ textHash: hash, vector }, { textHash: `${hash}-b`, vector: new Float32Array(384).fill(0.5) }])).toBe(2);
      expect(await embeddings().putMany('model-a', [{ textHash: hash, vector: new Float32Array(6) }])).toBe(0);

      const found = await embeddings().getMany('model-a', [hash, `${hash}-b`, 'missing']);
      expect([...found.keys()].sort()).toEqual([hash, `${hash}-b`]);
      expect(Buffer.from(found.get(hash)!.buffer)).toEqual(Buffer.from(vector.buffer));
      expect(found.get(`${hash}-b`)).toHaveLength(384);
      expect((await embeddings().getMany('model-b', [hash])).size).toBe(0);
    });

    it('accepts vectors that are views into a larger buffer', async () => {
      const backing = Float32Array.from([9, 1, 2, 3, 9]);
      const hash = uniqueSource();
      await embeddings().putMany('model-a', [{ textHash: hash, vector: backing.subarray(1, 4) }]);
      expect([...(await embeddings().getMany('model-a', [hash])).get(hash)!]).toEqual([1, 2, 3]);
    });
  });

  describe('ScoreRepository', () => {
    const scores = () => new ScoreRepository(db());

    async function storedPostIds(count: number): Promise<string[]> {
      const source = uniqueSource();
      const result = await new PostRepository(db()).insertMany(Array.from({ length: count }, (_, i) => newPost(source, `s${i}`)));
      return result.map((r) => r.id);
    }

    function scoreOf(postId: string, value: number, scoredAt: string): Score {
      return {
        postId,
        value,
        tier: value >= 0.8 ? 'priority' : value >= 0.5 ? 'review' : 'none',
        patterns: [{ patternId: 'p1', patternVersion: 1, value, tier: 'none', signals: [] }],
        versions: { model: 'model-a', scorer: '1', patterns: { p1: 1 } },
        scoredAt,
      };
    }

    it('stores the latest score per post and ignores one older than what is stored', async () => {
      const [a, b] = (await storedPostIds(2)) as [string, string];
      await scores().upsert([scoreOf(a, 0.3, '2020-01-01T00:00:00.000Z'), scoreOf(b, 0.6, '2020-01-01T00:00:00.000Z')]);
      await scores().upsert([scoreOf(a, 0.9, '2020-01-02T00:00:00.000Z')]);
      await scores().upsert([scoreOf(a, 0.1, '2019-12-31T00:00:00.000Z')]);

      expect(await scores().get(a)).toEqual(scoreOf(a, 0.9, '2020-01-02T00:00:00.000Z'));
      const many = await scores().getMany([a, b, '999999999', 'junk']);
      expect([...many.keys()].sort()).toEqual([a, b].sort());
      expect(many.get(b)!.tier).toBe('review');
      const [row] = await db().query<{ model: string }>('SELECT model FROM scores WHERE post_id = $1', [a]);
      expect(row!.model).toBe('model-a');
    });
  });
});
