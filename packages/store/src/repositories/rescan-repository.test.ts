import { expect, it } from 'vitest';
import { ConflictError, InvalidInputError, type PatternScore, type Score } from '@undertow/core';
import { createTestSchema } from '../../../../test/support/postgres.js';
import { describeOnDrivers } from '../../test/drivers.js';
import { newPost, uniqueSource } from '../../test/fixtures.js';
import { FlagRepository } from './flag-repository.js';
import { PatternRepository } from './pattern-repository.js';
import { PostRepository } from './post-repository.js';
import { RescanRepository, type ChunkWork, type ScoreChange } from './rescan-repository.js';
import { ScoreRepository } from './score-repository.js';

const server = await createTestSchema();

/*
 * Tests share one database per driver, and a rescan sees every stored post in its range, so each
 * test keeps its posts in a year of its own. The 2016 test is the newest on purpose: it checks
 * that "the last N days" count back from the newest stored post.
 */
describeOnDrivers('RescanRepository', server, (db) => {
  const rescans = () => new RescanRepository(db());

  async function readyPattern(overrides: { active?: boolean } = {}) {
    const patterns = new PatternRepository(db());
    const pattern = await patterns.create({ kind: 'document', name: `doc ${uniqueSource()}`, text: 'the leaked text', ...overrides });
    await patterns.setStatus(pattern.id, pattern.version, 'ready');
    return pattern;
  }

  /** `count` posts one hour apart from `start`, each with a stored score of no pattern. */
  async function storePosts(start: string, count: number) {
    const source = uniqueSource();
    const base = Date.parse(start);
    const inserted = await new PostRepository(db()).insertMany(
      Array.from({ length: count }, (_, i) => newPost(source, `p${String(i).padStart(3, '0')}`, { createdAt: new Date(base + i * 3_600_000).toISOString() })),
    );
    const ids = inserted.map((p) => p.id);
    await new ScoreRepository(db()).upsert(ids.map((postId) => emptyScore(postId)));
    return ids;
  }

  function emptyScore(postId: string, scoredAt = '2020-01-01T00:00:00.000Z'): Score {
    return { postId, value: 0, tier: 'none', patterns: [], versions: { model: 'none', scorer: 'test', patterns: {} }, scoredAt };
  }

  function patternScore(patternId: string, version: number, value: number, tier: PatternScore['tier']): PatternScore {
    return { patternId, patternVersion: version, value, tier, signals: [{ name: 'near-duplicate', value, scorer: { name: 'near-duplicate', version: '1' } }] };
  }

  async function work(rescanId: string, chunk: number): Promise<ChunkWork> {
    const started = await rescans().startChunk(rescanId, chunk);
    if (started.status !== 'work') throw new Error(`chunk ${chunk} of rescan ${rescanId}: ${started.reason}`);
    return started.work;
  }

  it('plans chunks of consecutive posts that cover the time range exactly once', async () => {
    const ids = await storePosts('2011-01-01T00:00:00Z', 23);
    const pattern = await readyPattern();
    const { rescan, created } = await rescans().create({
      patternIds: [pattern.id],
      from: '2011-01-01T02:00:00Z',
      to: '2011-01-01T20:00:00Z',
      reason: 'test',
      createdBy: 'alice',
      chunkSize: 5,
    });
    expect(created).toBe(true);
    expect(rescan).toMatchObject({ state: 'queued', total: 18, done: 0, chunks: { total: 4, done: 0 }, createdBy: 'alice', patterns: [{ id: pattern.id, version: 1 }] });
    const chunks = await rescans().chunks(rescan.id);
    expect(chunks.map((c) => c.planned)).toEqual([5, 5, 5, 3]);
    expect(chunks[0]!.firstPostId).toBe(ids[2]);
    expect(chunks.at(-1)!.lastPostId).toBe(ids[19]);
    for (let i = 1; i < chunks.length; i++) expect(BigInt(chunks[i]!.firstPostId)).toBeGreaterThan(BigInt(chunks[i - 1]!.lastPostId));
  });

  it('reads a chunk without text: ids, signatures and which URLs meet the patterns', async () => {
    const source = uniqueSource();
    const posts = new PostRepository(db());
    const inserted = await posts.insertMany([
      newPost(source, 'a', { createdAt: '2012-01-01T00:00:00Z', urlKeys: ['example.org/leak'] }),
      newPost(source, 'b', { createdAt: '2012-01-01T01:00:00Z', minhash: null }),
    ]);
    const chunk = await rescans().readChunk(
      { firstPostId: inserted[0]!.id, lastPostId: inserted[1]!.id, from: '2012-01-01T00:00:00Z', to: '2012-01-02T00:00:00Z' },
      { urlKeys: ['example.org/leak'], model: null },
    );
    expect(chunk.ids).toEqual(inserted.map((p) => p.id));
    expect(chunk.minhashes[0]).toBeInstanceOf(Uint32Array);
    expect(chunk.minhashes[1]).toBeNull();
    expect([...chunk.urlHits]).toEqual([inserted[0]!.id]);
    expect(chunk.vectors).toBeNull();
  });

  it('writes a chunk once: a second attempt finds it done and changes nothing', async () => {
    const ids = await storePosts('2013-01-01T00:00:00Z', 4);
    const pattern = await readyPattern();
    const { rescan } = await rescans().create({ patternIds: [pattern.id], from: '2013-01-01T00:00:00Z', to: '2014-01-01T00:00:00Z', reason: 'test', createdBy: 'system', chunkSize: 10 });
    const first = await work(rescan.id, 0);
    const change: ScoreChange = {
      score: { ...emptyScore(ids[1]!, '2030-01-01T00:00:00.000Z'), value: 0.9, tier: 'priority', patterns: [patternScore(pattern.id, 1, 0.9, 'priority')] },
      replaces: '2020-01-01T00:00:00.000Z',
      transitions: [{ patternId: pattern.id, patternVersion: 1, from: null, to: { tier: 'priority', value: 0.9, signals: [], match: null } }],
    };
    const result = { checked: 4, changes: [change], stats: { readMs: 1 } };
    // A crashed worker's retry: the chunk starts again, both attempts try to finish it.
    const second = await work(rescan.id, 0);
    expect(second.attempt).toBe(2);
    expect(await rescans().finishChunk(first, result)).toEqual({ status: 'finished', newlyFlagged: 1, noLongerFlagged: 0, rescored: 1 });
    expect(await rescans().finishChunk(second, result)).toEqual({ status: 'already-done' });
    expect(await rescans().startChunk(rescan.id, 0)).toEqual({ status: 'skip', reason: 'done' });

    const after = await rescans().get(rescan.id);
    expect(after).toMatchObject({ state: 'running', total: 4, done: 4, newlyFlagged: 1, rescored: 1, chunks: { total: 1, done: 1 } });
    const [flag] = await new FlagRepository(db()).getForPost(ids[1]!);
    expect(flag).toMatchObject({ patternId: pattern.id, tier: 'priority' });
    const events = await new FlagRepository(db()).events(flag!.id);
    expect(events.map((e) => [e.type, e.actor])).toEqual([['opened', `rescan:${rescan.id}`]]);
    expect((await new ScoreRepository(db()).get(ids[1]!))?.tier).toBe('priority');
    expect((await rescans().chunks(rescan.id))[0]).toMatchObject({ done: true, checked: 4, attempts: 2, newlyFlagged: 1, stats: { readMs: 1 } });

    expect(await rescans().finish(rescan.id)).toMatchObject({ state: 'completed', done: 4, total: 4, etaSeconds: 0 });
  });

  it('keeps a flag that no longer reaches a tier, with an event, and writes nothing computed from a score replaced since', async () => {
    const ids = await storePosts('2014-01-01T00:00:00Z', 2);
    const pattern = await readyPattern();
    const scores = new ScoreRepository(db());
    const flagged = { ...emptyScore(ids[0]!, '2021-01-01T00:00:00.000Z'), value: 0.7, tier: 'review' as const, patterns: [patternScore(pattern.id, 1, 0.7, 'review')] };
    await scores.upsert([flagged]);
    const [opened] = await new FlagRepository(db()).applyScores([
      { postId: ids[0]!, patternId: pattern.id, patternVersion: 1, tier: 'review', score: 0.7, signals: [], match: null },
    ]);
    const { rescan } = await rescans().create({ patternIds: [pattern.id], from: '2014-01-01T00:00:00Z', to: '2015-01-01T00:00:00Z', reason: 'test', createdBy: 'system', chunkSize: 10 });
    const chunk = await work(rescan.id, 0);
    const lowered: ScoreChange = {
      score: { ...emptyScore(ids[0]!, '2030-01-01T00:00:00.000Z') },
      replaces: '2021-01-01T00:00:00.000Z',
      transitions: [{ patternId: pattern.id, patternVersion: 1, from: { tier: 'review', value: 0.7 }, to: { tier: 'none', value: 0, signals: [], match: null } }],
    };
    // Computed from a score that live scoring has since replaced.
    const outdated: ScoreChange = {
      score: { ...emptyScore(ids[1]!, '2030-01-01T00:00:00.000Z'), value: 0.9, tier: 'priority', patterns: [patternScore(pattern.id, 1, 0.9, 'priority')] },
      replaces: '2019-06-01T00:00:00.000Z',
      transitions: [{ patternId: pattern.id, patternVersion: 1, from: null, to: { tier: 'priority', value: 0.9, signals: [], match: null } }],
    };
    expect(await rescans().finishChunk(chunk, { checked: 2, changes: [lowered, outdated], stats: {} })).toEqual({ status: 'stale', postIds: [ids[1]] });
    expect((await rescans().chunks(rescan.id))[0]).toMatchObject({ done: false });
    expect((await scores.get(ids[0]!))?.tier).toBe('review');

    // Recomputed from the score stored now, the chunk goes through.
    const rebased = { ...outdated, replaces: '2020-01-01T00:00:00.000Z' };
    expect(await rescans().finishChunk(chunk, { checked: 2, changes: [lowered, rebased], stats: {} })).toEqual({ status: 'finished', newlyFlagged: 1, noLongerFlagged: 1, rescored: 2 });
    const flag = await new FlagRepository(db()).get(opened!.flagId);
    expect(flag).toMatchObject({ status: 'open', tier: 'review', score: expect.closeTo(0.7, 5) });
    const events = await new FlagRepository(db()).events(opened!.flagId);
    expect(events.at(-1)).toMatchObject({ type: 'rescored', actor: `rescan:${rescan.id}`, data: { fromTier: 'review', toTier: 'none', rescanId: rescan.id } });
    expect((await scores.get(ids[0]!))?.tier).toBe('none');
    expect((await scores.get(ids[1]!))?.tier).toBe('priority');
  });

  it('writes nothing for a chunk whose rescan was cancelled meanwhile, and cannot cancel twice', async () => {
    const ids = await storePosts('2015-01-01T00:00:00Z', 3);
    const pattern = await readyPattern();
    const { rescan } = await rescans().create({ patternIds: [pattern.id], from: '2015-01-01T00:00:00Z', to: '2016-01-01T00:00:00Z', reason: 'test', createdBy: 'system', chunkSize: 2 });
    const chunk = await work(rescan.id, 0);
    expect(await rescans().cancel(rescan.id)).toMatchObject({ state: 'cancelled' });
    const outcome = await rescans().finishChunk(chunk, {
      checked: 2,
      changes: [
        {
          score: { ...emptyScore(ids[0]!, '2030-01-01T00:00:00.000Z'), value: 0.9, tier: 'priority', patterns: [patternScore(pattern.id, 1, 0.9, 'priority')] },
          replaces: '2020-01-01T00:00:00.000Z',
          transitions: [{ patternId: pattern.id, patternVersion: 1, from: null, to: { tier: 'priority', value: 0.9, signals: [], match: null } }],
        },
      ],
      stats: {},
    });
    expect(outcome).toEqual({ status: 'stopped' });
    expect(await new FlagRepository(db()).getForPost(ids[0]!)).toEqual([]);
    expect((await new ScoreRepository(db()).get(ids[0]!))?.tier).toBe('none');
    expect(await rescans().startChunk(rescan.id, 1)).toEqual({ status: 'skip', reason: 'cancelled' });
    expect((await rescans().chunks(rescan.id)).map((c) => c.done)).toEqual([false, false]);
    await expect(rescans().cancel(rescan.id)).rejects.toThrow(ConflictError);
    expect(await rescans().finish(rescan.id)).toMatchObject({ state: 'cancelled', done: 0 });
  });

  it('counts "the last N days" back from the newest stored post, so a replayed archive is rescanned over its own time', async () => {
    // The newest posts of this database: an archive of 2016 replayed years later.
    await storePosts('2016-10-01T00:00:00Z', 3);
    const [newest] = await db().query<{ max: Date }>('SELECT max(created_at) AS max FROM posts');
    const pattern = await readyPattern();
    const { rescan } = await rescans().create({ patternIds: [pattern.id], recentDays: 30, reason: 'test', createdBy: 'system', chunkSize: 100 });
    expect(Date.parse(rescan.from!)).toBe(newest!.max.getTime() - 30 * 86_400_000);
    expect(rescan.to).toBeNull();
    expect(rescan.total).toBe(3);
  });

  it('answers the rescan a dedupe key already made', async () => {
    const pattern = await readyPattern();
    const request = { patternIds: [pattern.id], from: '2010-01-01T00:00:00Z', to: '2010-02-01T00:00:00Z', reason: 'test', createdBy: 'system', chunkSize: 10, dedupeKey: `key-${pattern.id}` };
    const first = await rescans().create(request);
    const again = await Promise.all([rescans().create(request), rescans().create(request)]);
    expect(first.created).toBe(true);
    expect(again.map((r) => [r.created, r.rescan.id])).toEqual([
      [false, first.rescan.id],
      [false, first.rescan.id],
    ]);
  });

  it('fails a rescan whose chunk jobs ended with chunks unchecked', async () => {
    await storePosts('2010-06-01T00:00:00Z', 4);
    const pattern = await readyPattern();
    const { rescan } = await rescans().create({ patternIds: [pattern.id], from: '2010-06-01T00:00:00Z', to: '2010-07-01T00:00:00Z', reason: 'test', createdBy: 'system', chunkSize: 2 });
    await rescans().finishChunk(await work(rescan.id, 0), { checked: 2, changes: [], stats: {} });
    expect(await rescans().finish(rescan.id)).toMatchObject({ state: 'failed', done: 2, total: 4, error: 'chunks left unchecked: 1', chunks: { total: 2, done: 1 } });
  });

  it('completes a rescan of an empty range at once', async () => {
    const pattern = await readyPattern();
    const { rescan } = await rescans().create({ patternIds: [pattern.id], from: '1990-01-01T00:00:00Z', to: '1990-02-01T00:00:00Z', reason: 'test', createdBy: 'system', chunkSize: 10 });
    expect(rescan).toMatchObject({ total: 0, chunks: { total: 0 } });
    expect(await rescans().finish(rescan.id)).toMatchObject({ state: 'completed', done: 0 });
  });

  it('refuses patterns it cannot rescan against, naming them', async () => {
    const patterns = new PatternRepository(db());
    const indexing = await patterns.create({ kind: 'document', name: 'still indexing', text: 'x' });
    const inactive = await readyPattern({ active: false });
    const behaviour = await patterns.create({ kind: 'behaviour', name: 'burst', params: { rule: 'coordinated-burst' } });
    const ask = (patternIds: string[]) => rescans().create({ patternIds, reason: 'test', createdBy: 'system', chunkSize: 10 });
    await expect(ask(['no-such-pattern'])).rejects.toThrow(InvalidInputError);
    await expect(ask(['no-such-pattern'])).rejects.toThrow(/patternIds\/0/);
    await expect(ask([behaviour.id])).rejects.toThrow(/behaviour pattern/);
    await expect(ask([indexing.id])).rejects.toThrow(ConflictError);
    await expect(ask([inactive.id])).rejects.toThrow(/inactive/);
    await expect(rescans().create({ patternIds: [inactive.id], from: '2020-01-02T00:00:00Z', to: '2020-01-01T00:00:00Z', reason: 'x', createdBy: 's', chunkSize: 1 })).rejects.toThrow(/from must be before/);
  });
});
