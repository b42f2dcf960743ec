import { describe, it, expect } from 'vitest';
import { InvalidInputError, NotFoundError, type Signal } from '@undertow/core';
import { createTestSchema } from '../../../../test/support/postgres.js';
import { describeOnDrivers } from '../../test/drivers.js';
import { newPost, uniqueSource } from '../../test/fixtures.js';
import type { Database } from '../database.js';
import { FlagRepository, type FlagFilter, type FlagListItem, type FlagScore, type FlagSort } from './flag-repository.js';
import { PatternRepository } from './pattern-repository.js';
import { PostRepository } from './post-repository.js';

const server = await createTestSchema();

const signal: Signal = { name: 'near-duplicate', value: 0.9, scorer: { name: 'near-duplicate', version: '1' }, detail: { jaccard: 0.9 } };

describeOnDrivers('FlagRepository', server, (db) => {
  const flags = () => new FlagRepository(db());

  /** Stores posts (one per createdAt) and a pattern; answers their ids. */
  async function seed(createdAts: string[], opts: { community?: (i: number) => string } = {}) {
    const source = uniqueSource();
    const inserted = await new PostRepository(db()).insertMany(
      createdAts.map((createdAt, i) => newPost(source, `p${i}`, { createdAt, community: opts.community?.(i) ?? 'c1' })),
    );
    const pattern = await new PatternRepository(db()).create({ kind: 'document', name: `doc ${source}`, text: 'leak' });
    return { source, postIds: inserted.map((p) => p.id), patternId: pattern.id };
  }

  function scoreFor(postId: string, patternId: string, overrides: Partial<FlagScore> = {}): FlagScore {
    return {
      postId,
      patternId,
      patternVersion: 1,
      tier: 'review',
      score: 0.7,
      signals: [signal],
      match: { passageId: '1', passageIndex: 0, passageText: 'leak', postSpans: [{ start: 0, end: 4 }], passageSpans: [{ start: 0, end: 4 }] },
      ...overrides,
    };
  }

  describe('applyScores', () => {
    it('raises one flag with one opened event, however often the same scores are applied', async () => {
      const { postIds, patternId } = await seed(['2019-10-21T14:00:00Z']);
      const items = [scoreFor(postIds[0]!, patternId)];

      const first = await flags().applyScores(items);
      const second = await flags().applyScores(items);
      await Promise.all([flags().applyScores(items), flags().applyScores(items)]);

      expect(first).toEqual([{ flagId: expect.any(String), postId: postIds[0], patternId, created: true, rescored: false }]);
      expect(second).toEqual([{ ...first[0], created: false }]);
      expect(await flags().countByPost(postIds[0]!)).toBe(1);
      const events = await flags().events(first[0]!.flagId);
      expect(events.map((e) => [e.type, e.actor, e.toStatus])).toEqual([['opened', 'system', 'open']]);

      const flag = await flags().get(first[0]!.flagId);
      expect(flag).toMatchObject({
        postId: postIds[0],
        patternId,
        patternVersion: 1,
        storyId: null,
        tier: 'review',
        score: 0.7,
        status: 'open',
        signals: [signal],
        match: items[0]!.match,
        claimedBy: null,
      });
    });

    it('rescoring updates the flag and logs it; a flag with no match stores null', async () => {
      const { postIds, patternId } = await seed(['2019-10-21T14:00:00Z']);
      const [opened] = await flags().applyScores([scoreFor(postIds[0]!, patternId, { match: null })]);
      expect((await flags().get(opened!.flagId))!.match).toBeNull();

      const [rescored] = await flags().applyScores([scoreFor(postIds[0]!, patternId, { tier: 'priority', score: 0.95, patternVersion: 2 })]);
      expect(rescored).toMatchObject({ flagId: opened!.flagId, created: false, rescored: true });
      expect(await flags().get(opened!.flagId)).toMatchObject({ tier: 'priority', score: 0.95, patternVersion: 2, status: 'open' });

      const events = await flags().events(opened!.flagId);
      expect(events.map((e) => e.type)).toEqual(['opened', 'rescored']);
      expect(events[1]!.data).toMatchObject({ fromTier: 'review', toTier: 'priority', fromVersion: 1, toVersion: 2 });
    });

    it('answers each (post, pattern) in input order, raising new flags beside existing ones', async () => {
      const { postIds, patternId } = await seed(['2019-10-21T14:00:00Z', '2019-10-21T15:00:00Z', '2019-10-21T16:00:00Z']);
      await flags().applyScores([scoreFor(postIds[1]!, patternId)]);
      const result = await flags().applyScores(postIds.map((id) => scoreFor(id, patternId)));
      expect(result.map((r) => [r.postId, r.created])).toEqual([
        [postIds[0], true],
        [postIds[1], false],
        [postIds[2], true],
      ]);
    });
  });

  describe('decide', () => {
    it('sets the status and appends a decided event with who, from and to', async () => {
      const { postIds, patternId } = await seed(['2019-10-21T14:00:00Z']);
      const { flagId } = (await flags().applyScores([scoreFor(postIds[0]!, patternId)]))[0]!;

      const decided = await flags().decide(flagId, { decision: 'confirm', note: 'same passage, burner accounts' }, 'reviewer-1');
      expect(decided).toMatchObject({ id: flagId, status: 'confirmed' });
      await flags().decide(flagId, { decision: 'escalate' }, 'reviewer-2');

      const events = await flags().events(flagId);
      expect(events.map(({ type, actor, fromStatus, toStatus, note, data }) => ({ type, actor, fromStatus, toStatus, note, data }))).toEqual([
        { type: 'opened', actor: 'system', fromStatus: null, toStatus: 'open', note: null, data: expect.any(Object) },
        { type: 'decided', actor: 'reviewer-1', fromStatus: 'open', toStatus: 'confirmed', note: 'same passage, burner accounts', data: { decision: 'confirm' } },
        { type: 'decided', actor: 'reviewer-2', fromStatus: 'confirmed', toStatus: 'escalated', note: null, data: { decision: 'escalate' } },
      ]);
      expect(Number(events[1]!.id)).toBeLessThan(Number(events[2]!.id));
    });

    it('throws NotFoundError for a flag that does not exist', async () => {
      await expect(flags().decide('987654321', { decision: 'dismiss' }, 'r')).rejects.toBeInstanceOf(NotFoundError);
      await expect(flags().decide('junk', { decision: 'dismiss' }, 'r')).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  it('keeps the audit log append-only: UPDATE and DELETE on flag_events fail', async () => {
    const { postIds, patternId } = await seed(['2019-10-21T14:00:00Z']);
    const { flagId } = (await flags().applyScores([scoreFor(postIds[0]!, patternId)]))[0]!;
    await expect(db().query(`UPDATE flag_events SET actor = 'mallory' WHERE flag_id = $1`, [flagId])).rejects.toThrow(/append-only/);
    await expect(db().query(`DELETE FROM flag_events WHERE flag_id = $1`, [flagId])).rejects.toThrow(/append-only/);
    await expect(db().query(`TRUNCATE flag_events`)).rejects.toThrow(/append-only|foreign key/);
    expect((await flags().events(flagId)).map((e) => e.actor)).toEqual(['system']);
  });

  describe('list', () => {
    /** Reads every page of a listing, `limit` at a time. */
    async function readAll(database: Database, filter: FlagFilter, sort: FlagSort, limit: number) {
      const repo = new FlagRepository(database);
      const pages: FlagListItem[][] = [];
      let cursor: string | undefined;
      do {
        const page = await repo.list(filter, sort, cursor, limit);
        pages.push(page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined && pages.length < 100);
      return pages;
    }

    it('pages through every flag once, in order, by score and by time, with equal keys included', async () => {
      const times = Array.from({ length: 11 }, (_, i) => `2019-10-2${i % 3}T1${i % 4}:00:00.${String(i).padStart(3, '0')}123Z`);
      // Two posts share a createdAt to the microsecond and several flags share a score: the id breaks ties.
      times[5] = times[4]!;
      const { source, postIds, patternId } = await seed(times);
      const scores = [0.5, 0.9, 0.7, 0.7, 0.7, 0.61, 0.99, 0.5, 0.8, 0.7, 0.55];
      await flags().applyScores(postIds.map((id, i) => scoreFor(id, patternId, { score: scores[i]!, tier: scores[i]! >= 0.8 ? 'priority' : 'review' })));

      const byScore = await readAll(db(), { source }, 'score', 3);
      expect(byScore.map((p) => p.length)).toEqual([3, 3, 3, 2]);
      const scoreOrder = byScore.flat();
      expect(scoreOrder).toHaveLength(11);
      expect(new Set(scoreOrder.map((f) => f.id)).size).toBe(11);
      for (let i = 1; i < scoreOrder.length; i++) {
        const [a, b] = [scoreOrder[i - 1]!, scoreOrder[i]!];
        expect(a.score > b.score || (a.score === b.score && Number(a.id) > Number(b.id))).toBe(true);
      }
      expect(scoreOrder[0]).toMatchObject({ score: 0.99, post: { source, externalId: 'p6', community: 'c1', text: 'text of p6' } });

      const byTime = (await readAll(db(), { source }, 'time', 4)).flat();
      expect(byTime).toHaveLength(11);
      expect(new Set(byTime.map((f) => f.id)).size).toBe(11);
      const expectedTimeOrder = postIds
        .map((id, i) => ({ id, at: Date.parse(times[i]!), us: times[i]! }))
        .sort((a, b) => (a.us === b.us ? 0 : a.us < b.us ? 1 : -1) || Number(b.id) - Number(a.id))
        .map((p) => p.id);
      expect(byTime.map((f) => f.postId)).toEqual(expectedTimeOrder);
    });

    it('keeps pages stable when flags are raised ahead of the cursor', async () => {
      const { source, postIds, patternId } = await seed(Array.from({ length: 6 }, () => '2019-10-21T14:00:00Z'));
      await flags().applyScores(postIds.slice(0, 4).map((id, i) => scoreFor(id, patternId, { score: 0.6 + i / 100 })));
      const first = await flags().list({ source }, 'score', undefined, 2);
      // Higher than everything already read: it belongs on page one, which is gone, not on page two.
      await flags().applyScores([scoreFor(postIds[4]!, patternId, { score: 0.99, tier: 'priority' })]);
      const second = await flags().list({ source }, 'score', first.nextCursor!, 2);
      expect(first.items.map((f) => f.score)).toEqual([0.63, 0.62]);
      expect(second.items.map((f) => f.score)).toEqual([0.61, 0.6]);
      expect(second.nextCursor).toBeNull();
    });

    it('filters by status, pattern, tier, minimum score, source, community and post time', async () => {
      const { source, postIds, patternId } = await seed(
        ['2019-10-01T00:00:00Z', '2019-10-02T00:00:00Z', '2019-10-03T00:00:00Z', '2019-10-04T00:00:00Z'],
        { community: (i) => (i % 2 === 0 ? 'even' : 'odd') },
      );
      const other = await new PatternRepository(db()).create({ kind: 'narrative', name: 'other', examples: ['x'] });
      const applied = await flags().applyScores([
        scoreFor(postIds[0]!, patternId, { score: 0.5 }),
        scoreFor(postIds[1]!, patternId, { score: 0.7 }),
        scoreFor(postIds[2]!, patternId, { score: 0.85, tier: 'priority' }),
        scoreFor(postIds[3]!, other.id, { score: 0.7 }),
      ]);
      await flags().decide(applied[1]!.flagId, { decision: 'dismiss' }, 'r');
      const posts = async (filter: FlagFilter) =>
        (await flags().list({ source, ...filter }, 'time', undefined, 50)).items.map((f) => postIds.indexOf(f.postId)).sort();

      expect(await posts({})).toEqual([0, 1, 2, 3]);
      expect(await posts({ source: uniqueSource() })).toEqual([]);
      expect(await posts({ status: 'open' })).toEqual([0, 2, 3]);
      expect(await posts({ status: ['dismissed', 'confirmed'] })).toEqual([1]);
      expect(await posts({ patternId: other.id })).toEqual([3]);
      expect(await posts({ tier: 'priority' })).toEqual([2]);
      expect(await posts({ minScore: 0.7 })).toEqual([1, 2, 3]);
      expect(await posts({ community: 'odd' })).toEqual([1, 3]);
      expect(await posts({ from: '2019-10-02T00:00:00Z', to: '2019-10-04T00:00:00Z' })).toEqual([1, 2]);
    });

    it('rejects a malformed cursor, a cursor of the other sort, and a bad limit with InvalidInputError', async () => {
      const { source, postIds, patternId } = await seed(['2019-10-21T14:00:00Z', '2019-10-21T15:00:00Z']);
      await flags().applyScores(postIds.map((id) => scoreFor(id, patternId)));
      const { nextCursor } = await flags().list({ source }, 'score', undefined, 1);
      expect(nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);

      for (const cursor of ['not a cursor', '', Buffer.from('{"a":1}').toString('base64url'), Buffer.from('["score","x","1"]').toString('base64url')]) {
        await expect(flags().list({ source }, 'score', cursor, 10)).rejects.toBeInstanceOf(InvalidInputError);
      }
      await expect(flags().list({ source }, 'time', nextCursor!, 10)).rejects.toBeInstanceOf(InvalidInputError);
      await expect(flags().list({ source }, 'score', undefined, 0)).rejects.toBeInstanceOf(InvalidInputError);
    });
  });

  it('lists the flags of one post', async () => {
    const { postIds, patternId } = await seed(['2019-10-21T14:00:00Z']);
    const other = await new PatternRepository(db()).create({ kind: 'narrative', name: 'second', examples: ['x'] });
    await flags().applyScores([scoreFor(postIds[0]!, patternId), scoreFor(postIds[0]!, other.id)]);
    expect((await flags().getForPost(postIds[0]!)).map((f) => f.patternId).sort()).toEqual([patternId, other.id].sort());
    expect(await flags().countByPost(postIds[0]!)).toBe(2);
    expect(await flags().get('123456789')).toBeNull();
  });
});
