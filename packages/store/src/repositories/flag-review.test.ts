import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { ConflictError, NotFoundError, type Signal } from '@undertow/core';
import { createTestSchema } from '../../../../test/support/postgres.js';
import { describeOnDrivers } from '../../test/drivers.js';
import { newPost, uniqueSource } from '../../test/fixtures.js';
import { FlagRepository } from './flag-repository.js';
import { PatternRepository } from './pattern-repository.js';
import { PostRepository } from './post-repository.js';
import { ReviewStatsRepository } from './review-stats-repository.js';

const server = await createTestSchema();
const signal: Signal = { name: 'near-duplicate', value: 0.9, scorer: { name: 'near-duplicate', version: '1' } };

describeOnDrivers('FlagRepository review workflow', server, (db) => {
  const flags = () => new FlagRepository(db());

  /** `n` flags on one new pattern, scores descending from 0.95; answers their ids and the pattern. */
  async function seed(n: number, scores?: number[], opts: { storyIds?: (i: number) => string | null } = {}) {
    const source = uniqueSource();
    const posts = await new PostRepository(db()).insertMany(Array.from({ length: n }, (_, i) => newPost(source, `p${i}`)));
    const pattern = await new PatternRepository(db()).create({ kind: 'document', name: `doc ${source}`, text: 'leak', thresholds: { review: 0.5, priority: 0.8 } });
    const applied = await flags().applyScores(
      posts.map((p, i) => ({
        postId: p.id,
        patternId: pattern.id,
        patternVersion: 1,
        tier: 'review' as const,
        score: scores?.[i] ?? 0.95 - i * 0.01,
        signals: [signal],
        match: null,
        storyId: opts.storyIds?.(i) ?? null,
      })),
    );
    return { source, patternId: pattern.id, ids: applied.map((a) => a.flagId) };
  }

  it('a claim holds a flag for one reviewer: in_review, renewable, refused to others, released back to open', async () => {
    const { ids } = await seed(1);
    const id = ids[0]!;
    const claimed = await flags().claim(id, 'alice', 600);
    expect(claimed).toMatchObject({ status: 'in_review', claimedBy: 'alice' });
    expect(Date.parse(claimed.claimExpiresAt!) - Date.now()).toBeGreaterThan(590_000);

    await expect(flags().claim(id, 'bob', 600)).rejects.toThrow(/claimed by alice/);
    await expect(flags().decideAsReviewer(id, { decision: 'dismiss' }, 'bob')).rejects.toBeInstanceOf(ConflictError);
    await expect(flags().release(id, 'bob')).rejects.toBeInstanceOf(ConflictError);
    expect((await flags().claim(id, 'alice', 900)).claimedBy).toBe('alice');

    const released = await flags().release(id, 'alice');
    expect(released).toMatchObject({ status: 'open', claimedBy: null, claimExpiresAt: null });
    expect((await flags().claim(id, 'bob', 60)).claimedBy).toBe('bob');

    const events = await flags().events(id);
    expect(events.map((e) => [e.type, e.actor, e.fromStatus, e.toStatus])).toEqual([
      ['opened', 'system', null, 'open'],
      ['claimed', 'alice', 'open', 'in_review'],
      ['claimed', 'alice', 'in_review', 'in_review'],
      ['released', 'alice', 'in_review', 'open'],
      ['claimed', 'bob', 'open', 'in_review'],
    ]);
    expect(events[2]!.data).toMatchObject({ renewed: true });
  });

  it('of many reviewers claiming one flag at once, exactly one gets it', async () => {
    const { ids } = await seed(5);
    for (const id of ids) {
      const reviewers = ['alice', 'bob', 'carol', 'dan'];
      const outcomes = await Promise.allSettled(reviewers.map((r) => flags().claim(id, r, 600)));
      const winners = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [reviewers[i]] : []));
      expect(winners).toHaveLength(1);
      for (const outcome of outcomes) if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(ConflictError);
      expect((await flags().get(id))!.claimedBy).toBe(winners[0]);
      expect((await flags().events(id)).filter((e) => e.type === 'claimed')).toHaveLength(1);
    }
  });

  it('an expired claim can be taken by another reviewer, and the sweep reopens expired claims', async () => {
    const { ids } = await seed(2);
    await flags().claim(ids[0]!, 'alice', 1);
    await flags().claim(ids[1]!, 'alice', 1);
    await sleep(1100);
    const taken = await flags().claim(ids[0]!, 'bob', 600);
    expect(taken.claimedBy).toBe('bob');
    expect((await flags().events(ids[0]!)).at(-1)!.data).toMatchObject({ previous: { claimedBy: 'alice', expired: true } });

    expect(await flags().releaseExpiredClaims()).toBeGreaterThanOrEqual(1);
    expect(await flags().get(ids[1]!)).toMatchObject({ status: 'open', claimedBy: null });
    expect((await flags().events(ids[1]!)).at(-1)).toMatchObject({ type: 'released', actor: 'system', data: { reason: 'expired', claimedBy: 'alice' } });
    expect((await flags().get(ids[0]!))!.claimedBy).toBe('bob');
  });

  it('deciding ends the claim; a decided flag cannot be claimed; an admin may override a claim', async () => {
    const { ids } = await seed(2);
    await flags().claim(ids[0]!, 'alice', 600);
    const decided = await flags().decideAsReviewer(ids[0]!, { decision: 'confirm', note: 'passage 3' }, 'alice');
    expect(decided).toMatchObject({ status: 'confirmed', claimedBy: null });
    await expect(flags().claim(ids[0]!, 'bob', 600)).rejects.toThrow(/already confirmed/);

    await flags().claim(ids[1]!, 'alice', 600);
    const overridden = await flags().decideAsReviewer(ids[1]!, { decision: 'escalate' }, 'lead', { override: true });
    expect(overridden.status).toBe('escalated');
    expect((await flags().events(ids[1]!)).at(-1)).toMatchObject({ type: 'decided', actor: 'lead', data: { decision: 'escalate', overrodeClaimOf: 'alice' } });
    await expect(flags().claim('999999999', 'alice', 60)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('assigns and notes, each an event', async () => {
    const { ids, source } = await seed(1);
    const assigned = await flags().assign(ids[0]!, 'carol', 'lead');
    expect(assigned.assignedTo).toBe('carol');
    await flags().assign(ids[0]!, 'carol', 'lead');
    await flags().note(ids[0]!, 'same text as the telegram post', 'carol');
    expect((await flags().list({ source, assignedTo: 'carol' }, 'score', undefined, 10)).items.map((f) => f.id)).toEqual(ids);
    const events = await flags().events(ids[0]!);
    expect(events.map((e) => e.type)).toEqual(['opened', 'assigned', 'noted']);
    expect(events[1]!.data).toEqual({ from: null, to: 'carol' });
    expect(events[2]).toMatchObject({ actor: 'carol', note: 'same text as the telegram post' });
  });

  it("decides a story's flags in bulk, skipping those another reviewer holds, each with its own event", async () => {
    const story = await db().query<{ id: string }>(`INSERT INTO stories (first_seen_at) VALUES (now()) RETURNING id`);
    const storyId = story[0]!.id;
    const { ids, source } = await seed(6, undefined, { storyIds: (i) => (i < 4 ? storyId : null) });
    await flags().claim(ids[1]!, 'bob', 600);
    await flags().claim(ids[2]!, 'alice', 600);

    const dry = await flags().decideMany({ storyId }, { decision: 'dismiss' }, 'alice', { limit: 100, dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, matched: 4, decided: [ids[0], ids[2], ids[3]], skipped: [{ id: ids[1], claimedBy: 'bob' }], remaining: 0 });
    expect((await flags().get(ids[0]!))!.status).toBe('open');

    const done = await flags().decideMany({ storyId }, { decision: 'dismiss', note: 'satire account' }, 'alice', { limit: 100 });
    expect(done.decided).toEqual([ids[0], ids[2], ids[3]]);
    const after = await flags().list({ source }, 'score', undefined, 10);
    expect(Object.fromEntries(after.items.map((f) => [f.id, f.status]))).toEqual({
      [ids[0]!]: 'dismissed',
      [ids[1]!]: 'in_review',
      [ids[2]!]: 'dismissed',
      [ids[3]!]: 'dismissed',
      [ids[4]!]: 'open',
      [ids[5]!]: 'open',
    });
    expect((await flags().events(ids[3]!)).at(-1)).toMatchObject({ type: 'decided', actor: 'alice', fromStatus: 'open', toStatus: 'dismissed', note: 'satire account', data: { decision: 'dismiss', bulk: true } });

    // Decided flags are not decided again unless asked for by status; a limit leaves the rest.
    const bySelection = await flags().decideMany({ ids: [ids[4]!, ids[5]!, ids[0]!] }, { decision: 'confirm' }, 'alice', { limit: 1 });
    expect(bySelection).toMatchObject({ matched: 2, decided: [ids[4]], remaining: 1 });
  });

  it('lists the event history across flags, newest first, by page', async () => {
    const { ids } = await seed(3);
    await flags().claim(ids[0]!, 'history-reviewer', 600);
    await flags().decideAsReviewer(ids[0]!, { decision: 'confirm' }, 'history-reviewer');
    await flags().decideAsReviewer(ids[1]!, { decision: 'dismiss' }, 'history-reviewer');
    const first = await flags().listEvents({ actor: 'history-reviewer', limit: 2 });
    expect(first.items.map((e) => [e.type, e.flagId])).toEqual([
      ['decided', ids[1]],
      ['decided', ids[0]],
    ]);
    const second = await flags().listEvents({ actor: 'history-reviewer', limit: 2, before: first.nextCursor! });
    expect(second.items.map((e) => [e.type, e.flagId])).toEqual([['claimed', ids[0]]]);
    expect(second.nextCursor).toBeNull();
    const decisions = await flags().listEvents({ flagId: ids[0]!, types: ['decided', 'opened'], limit: 10 });
    expect(decisions.items.map((e) => e.type)).toEqual(['decided', 'opened']);
  });
});

/** Statistics look at every flag there is: a database of their own. */
describeOnDrivers('ReviewStatsRepository', await createTestSchema(), (db) => {
  it('counts the queue, outcomes per pattern and score, and handling time from the claim', async () => {
    const flags = new FlagRepository(db());
    const stats = new ReviewStatsRepository(db());
    const source = uniqueSource();
    const posts = await new PostRepository(db()).insertMany(Array.from({ length: 5 }, (_, i) => newPost(source, `s${i}`)));
    const pattern = await new PatternRepository(db()).create({ kind: 'document', name: 'stats doc', text: 'leak' });
    const scores = [0.9, 0.8, 0.8, 0.6, 0.55];
    const applied = await flags.applyScores(
      posts.map((p, i) => ({ postId: p.id, patternId: pattern.id, patternVersion: 1, tier: i === 0 ? ('priority' as const) : ('review' as const), score: scores[i]!, signals: [signal], match: null })),
    );
    const ids = applied.map((a) => a.flagId);
    await flags.claim(ids[0]!, 'alice', 600);
    await sleep(300);
    await flags.decideAsReviewer(ids[0]!, { decision: 'confirm' }, 'alice');
    await flags.decideAsReviewer(ids[1]!, { decision: 'confirm' }, 'bob');
    await flags.decideAsReviewer(ids[2]!, { decision: 'dismiss' }, 'bob');
    await flags.decideAsReviewer(ids[3]!, { decision: 'escalate' }, 'bob');
    await flags.claim(ids[4]!, 'carol', 600);

    const queue = await stats.queue();
    expect(queue.byStatus).toEqual({ open: 0, in_review: 1, confirmed: 2, dismissed: 1, escalated: 1 });
    expect(queue.pendingByTier).toEqual({ review: 1, priority: 0 });
    expect(queue.claimed).toBe(1);

    const [counts] = (await stats.patterns()).filter((p) => p.patternId === pattern.id);
    expect(counts).toMatchObject({ name: 'stats doc', byStatus: { confirmed: 2, dismissed: 1, escalated: 1, in_review: 1, open: 0 } });

    expect(await stats.decidedScores()).toEqual([
      { patternId: pattern.id, score: 0.9, confirmed: 1, dismissed: 0 },
      { patternId: pattern.id, score: 0.8, confirmed: 1, dismissed: 1 },
    ]);

    const decisions = await stats.decisions();
    const all = decisions.find((d) => d.patternId === null)!;
    expect(all).toMatchObject({ decisions: 4, byDecision: { confirm: 2, dismiss: 1, escalate: 1 }, claimed: 1 });
    expect(all.handlingSeconds.median).toBeGreaterThanOrEqual(0.2);
    expect(all.timeToDecisionSeconds.median).not.toBeNull();
    expect(decisions.find((d) => d.patternId === pattern.id)!.decisions).toBe(4);
    const none = await stats.decisions({ from: '2999-01-01T00:00:00Z' });
    expect(none).toEqual([expect.objectContaining({ patternId: null, decisions: 0 })]);
  });
});
