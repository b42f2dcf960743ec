import { describe, expect, it, test } from 'vitest';
import type { Pattern, PatternScore } from '@undertow/core';
import { behaviourPatternScore, behaviourSignals, behaviourStrength, withBehaviour } from './behaviour.js';
import { DEFAULT_BEHAVIOUR_PARAMS as P, behaviourParams } from './behaviour-params.js';
import { DAY, MINUTE, type StoryPost, type StoryView } from './story-view.js';

const T0 = Date.parse('2026-10-21T09:00:00Z');

function post(id: string, minutes: number, author: string, community: string | null, ageDays: number | null, engagement: StoryPost['engagement'] = null): StoryPost {
  const createdAt = T0 + minutes * MINUTE;
  return { postId: id, createdAt, authorId: author, community, authorCreatedAt: ageDays === null ? null : createdAt - ageDays * DAY, engagement };
}

function view(posts: StoryPost[]): StoryView {
  const sorted = [...posts].sort((a, b) => a.createdAt - b.createdAt);
  return { id: sorted[0]!.postId, first: sorted[0]!, posts: sorted };
}

const quiet = { score: 1, comments: 0, observedAt: T0 + 2 * 60 * MINUTE };
const viral = { score: 900, comments: 120, shares: 40, observedAt: T0 + 2 * 60 * MINUTE };
const relaunchers = (age: number) =>
  ['r/a', 'r/b', 'r/c', 'r/d', 'r/a'].map((c, i) => post(`p${i + 1}`, 180 + i * 5, `burner${i}`, c, age));
const names = (signals: { name: string }[]) => signals.map((s) => s.name).sort();
const solo = { onlyThisStory: true, posts: 1 };
const regular = { onlyThisStory: false, posts: 0 };

describe('behaviour signals on a story', () => {
  it('sees a low-traction relaunch by young accounts into several communities, and says so', () => {
    const first = post('p0', 0, 'leaker', 'r/smallplace', 1, quiet);
    const story = view([first, ...relaunchers(3)]);
    const last = story.posts.at(-1)!;
    const signals = behaviourSignals(story, last, solo, P);
    expect(names(signals)).toEqual(['coordinated-burst', 'low-traction-relaunch', 'single-use-account', 'young-account']);
    const relaunch = signals.find((s) => s.name === 'low-traction-relaunch')!;
    expect(relaunch.value).toBe(1);
    expect(relaunch.detail).toMatchObject({ firstTraction: 1, relaunchAccounts: 5, relaunchYoungAccounts: 5, relaunchCommunities: 4, gapMinutes: 200 });
    expect(relaunch.detail!['summary']).toBe(
      'first appeared 2026-10-21 09:00 UTC in r/smallplace with traction 1; relaunched 3 h later by 5 accounts (5 under 7 days old) into 4 communities',
    );
    expect(behaviourStrength(signals)).toBe(1);
  });

  it('gives organic spread (first appearance had traction, years-old reposters) no relaunch and no account signals', () => {
    const first = post('p0', 0, 'newsdesk', 'r/news', 3000, viral);
    const story = view([first, ...relaunchers(3000)]);
    const signals = behaviourSignals(story, story.posts.at(-1)!, regular, P);
    expect(names(signals)).not.toContain('low-traction-relaunch');
    expect(names(signals)).not.toContain('young-account');
    expect(names(signals)).not.toContain('single-use-account');
    expect(behaviourStrength(signals)).toBe(0.5);
  });

  it('waits for the first appearance traction before calling a relaunch', () => {
    const story = view([post('p0', 0, 'leaker', 'r/smallplace', 1, null), ...relaunchers(3)]);
    expect(names(behaviourSignals(story, story.posts.at(-1)!, solo, P))).not.toContain('low-traction-relaunch');
  });

  test.each([
    ['traction at the threshold', 5, 1],
    ['traction between the threshold and twice it', 7, 0.6],
    ['traction at twice the threshold', 10, null],
  ])('relaunch value with %s', (_, score, expected) => {
    const story = view([post('p0', 0, 'a', 'r/x', null, { score, observedAt: T0 }), post('p1', 120, 'b', 'r/y', null)]);
    const signal = behaviourSignals(story, story.posts[1]!, regular, P).find((s) => s.name === 'low-traction-relaunch');
    expect(signal?.value ?? null).toBe(expected);
  });

  it('does not call a repost by the same account in the same community a relaunch', () => {
    const story = view([post('p0', 0, 'a', 'r/x', null, quiet), post('p1', 300, 'a', 'r/x', null)]);
    expect(names(behaviourSignals(story, story.posts[1]!, regular, P))).not.toContain('low-traction-relaunch');
  });

  test.each([
    ['5 accounts within the hour', [0, 10, 20, 30, 40], 1],
    ['3 accounts within the hour', [0, 10, 20], 0.5],
    ['5 accounts spread over 5 hours', [0, 70, 140, 210, 280], null],
  ])('coordinated burst: %s', (_, minutes, expected) => {
    const story = view(minutes.map((m, i) => post(`p${i}`, m, `acct${i}`, 'r/x', null)));
    const signal = behaviourSignals(story, story.posts.at(-1)!, regular, P).find((s) => s.name === 'coordinated-burst');
    expect(signal?.value ?? null).toBe(expected);
  });

  it('sees one account spraying four communities', () => {
    const story = view(['r/a', 'r/b', 'r/c', 'r/d'].map((c, i) => post(`p${i}`, i * 200, 'sprayer', c, null)));
    const spray = behaviourSignals(story, story.posts.at(-1)!, regular, P).find((s) => s.name === 'cross-community-spray');
    expect(spray).toMatchObject({ value: 1, detail: { communities: 4, summary: 'this account posted it into 4 communities' } });
  });

  test.each([
    [2, 1],
    [7, 1],
    [48.5, 0.5],
    [90, null],
    [null, null],
  ])('young account at %s days old → %s', (age, expected) => {
    const signal = behaviourSignals(null, post('p', 0, 'a', null, age), regular, P).find((s) => s.name === 'young-account');
    expect(signal?.value ?? null).toBe(expected);
  });
});

const pattern = (over: Partial<Pattern>): Pattern => ({
  id: 'pat',
  kind: 'document',
  name: 'x',
  description: null,
  version: 3,
  status: 'ready',
  active: true,
  text: null,
  examples: [],
  urls: [],
  thresholds: { review: 0.5, priority: 0.8 },
  tags: [],
  params: {},
  createdAt: '',
  updatedAt: '',
  ...over,
});

describe('combining behaviour with patterns', () => {
  const relaunch = { name: 'low-traction-relaunch' as const, value: 1, scorer: { name: 'x', version: '1' } };
  const young = { name: 'young-account' as const, value: 1, scorer: { name: 'y', version: '1' } };
  const content: PatternScore = {
    patternId: 'pat',
    patternVersion: 3,
    value: 0.6,
    tier: 'review',
    signals: [{ name: 'near-duplicate', value: 0.6, scorer: { name: 'n', version: '1' } }],
  };

  it('lifts material pushed by young accounts in a relaunch to priority', () => {
    const lifted = withBehaviour(content, [relaunch, young], pattern({}).thresholds);
    expect(lifted.value).toBe(0.84);
    expect(lifted.tier).toBe('priority');
    expect(names(lifted.signals)).toEqual(['low-traction-relaunch', 'near-duplicate', 'young-account']);
  });

  it('never flags a post that carries none of the material, however it is pushed', () => {
    expect(withBehaviour({ ...content, value: 0, tier: 'none' }, [relaunch, young], pattern({}).thresholds).value).toBe(0);
  });

  it('scores a behaviour pattern by its own rule', () => {
    const burst = pattern({ kind: 'behaviour', params: { rule: 'coordinated-burst' } });
    expect(behaviourPatternScore(burst, [relaunch, young])).toBeNull();
    const relaunchPattern = pattern({ kind: 'behaviour', params: { rule: 'low-traction-relaunch' } });
    expect(behaviourPatternScore(relaunchPattern, [relaunch, young])).toMatchObject({ value: 1, tier: 'priority', patternVersion: 3 });
  });

  it('takes signal parameters from active behaviour patterns', () => {
    const params = behaviourParams([
      pattern({ kind: 'behaviour', params: { rule: 'coordinated-burst', burstAccounts: 10 } }),
      pattern({ kind: 'behaviour', active: false, params: { burstWindowMinutes: 5 } }),
    ]);
    expect(params).toMatchObject({ burstAccounts: 10, burstWindowMinutes: 60 });
  });
});
