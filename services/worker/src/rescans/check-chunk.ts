import type { Logger } from 'pino';
import type { PatternScore } from '@undertow/core';
import { DEFAULT_NUM_HASHES, DEFAULT_SHINGLE_SIZE, shingle, shingleSet, tokenize, type PostFeatures } from '@undertow/detect';
import type { CandidateText, ChunkFinish, ChunkStart, PostRecord, ScoreChange, Store } from '@undertow/store';
import type { Embeddings } from '../scoring/embeddings.js';
import { matchableText } from '../scoring/score-posts.js';
import type { RescanIndex, RescanIndexCache } from './rescan-index.js';
import { combineWithBehaviour, rescoreChange } from './rescore.js';

export interface CheckChunkDeps {
  store: Pick<Store, 'rescans' | 'posts' | 'scores' | 'stories'>;
  embeddings: Pick<Embeddings, 'embed' | 'model' | 'enabled'>;
  indexes: Pick<RescanIndexCache, 'forPatterns'>;
  log: Logger;
}

export type ChunkOutcome =
  | { status: 'skipped'; reason: Extract<ChunkStart, { status: 'skip' }>['reason'] }
  | (ChunkFinish & { checked: number; candidates: number; attempt: number });

/**
 * Checks one chunk of a rescan against the rescan's patterns, reusing what is stored:
 *
 * 1. reads the chunk's fingerprints in one range scan — MinHash signatures, whether the URL
 *    keys meet a pattern's, and the stored vectors of the current model — but no text;
 * 2. keeps as candidates only the posts that can match: a signature that agrees with a
 *    passage's somewhere (the LSH candidate rule), a URL hit, a vector close enough to a
 *    passage's, or a stored result for one of the patterns (which may have to go);
 *    posts with no vector for the current model (scored with another) are embedded, identical
 *    texts once;
 * 3. scores the candidates exactly as live scoring does (text, shingles, spans), and keeps the
 *    posts whose result changed;
 * 4. writes the changes, the chunk's `done` flag and the rescan's counters in one transaction.
 */
export async function checkChunk(deps: CheckChunkDeps, rescanId: string, chunk: number): Promise<ChunkOutcome> {
  const start = await deps.store.rescans.startChunk(rescanId, chunk);
  if (start.status === 'skip') return { status: 'skipped', reason: start.reason };
  const { work } = start;

  const began = performance.now();
  const rescan = await deps.indexes.forPatterns(work.patterns);
  const model = deps.embeddings.enabled && rescan.semantic ? deps.embeddings.model : null;
  const patternIds = [...rescan.versions.keys()];
  const [posts, withResults] = await Promise.all([
    deps.store.rescans.readChunk(work, { urlKeys: rescan.urlKeys, model }),
    deps.store.rescans.postsScoredFor(work, patternIds),
  ]);
  const read = performance.now();

  const candidates = new Set<string>();
  const vectors = new Map<string, Float32Array>();
  const unembedded: string[] = [];
  if (rescan.patterns.length > 0) {
    for (let i = 0; i < posts.ids.length; i++) {
      const id = posts.ids[i]!;
      const vector = posts.vectors?.[i] ?? null;
      if (vector) vectors.set(id, vector);
      else if (model !== null) unembedded.push(id);
      if (withResults.has(id) || posts.urlHits.has(id)) candidates.add(id);
      else if (posts.minhashes[i] && rescan.filter.mayMatch(posts.minhashes[i]!)) candidates.add(id);
      else if (vector && semanticHit(rescan, vector, model!)) candidates.add(id);
    }
  }
  let embedded = 0;
  if (unembedded.length > 0) {
    // Scored with another model (or none): this model's vectors are made once and stored.
    const records = await deps.store.posts.getManyByIds(unembedded);
    const made = await deps.embeddings.embed(records.map((post) => ({ textHash: post.textHash, text: textOf(post) })));
    records.forEach((post, i) => {
      const vector = made[i];
      if (!vector) return;
      vectors.set(post.id, vector);
      if (!candidates.has(post.id) && semanticHit(rescan, vector, model!)) candidates.add(post.id);
    });
    embedded = records.length;
  }
  const matched = performance.now();

  const scoredModel = model ?? deps.embeddings.model;
  const fresh = candidates.size > 0 ? await scoreCandidates(deps, rescan, [...candidates], { vectors, model: scoredModel, withResults }) : new Map<string, PatternScore[]>();
  let changes = await changesOf(deps, rescan, fresh, scoredModel);
  const scored = performance.now();

  for (let rebases = 0; ; rebases++) {
    const finish = await deps.store.rescans.finishChunk(work, {
      checked: posts.ids.length,
      changes,
      stats: {
        readMs: Math.round(read - began),
        matchMs: Math.round(matched - read),
        scoreMs: Math.round(scored - matched),
        candidates: candidates.size,
        embedded,
        changed: changes.length,
        rebases,
      },
    });
    if (finish.status !== 'stale') return { ...finish, checked: posts.ids.length, candidates: candidates.size, attempt: work.attempt };
    // Live scoring (or another rescan) re-scored some of these posts since they were read:
    // merge the fresh results into the scores stored now, and write again.
    if (rebases + 1 >= MAX_REBASES) throw new Error(`stored scores of ${finish.postIds.length} posts kept changing under chunk ${chunk} of rescan ${rescanId}`);
    const stale = new Set(finish.postIds);
    const rebased = await changesOf(deps, rescan, new Map([...fresh].filter(([postId]) => stale.has(postId))), scoredModel);
    changes = [...changes.filter((c) => !stale.has(c.score.postId)), ...rebased];
  }
}

/** How many times a chunk recomputes posts whose stored score live scoring replaced meanwhile, before its job is retried. */
const MAX_REBASES = 5;

/**
 * Scores the candidates as live scoring would: their fresh results for the rescanned
 * patterns. Most candidates share no more than a common phrase with a passage and get no
 * result; those are left out unless they had one before.
 */
async function scoreCandidates(
  deps: CheckChunkDeps,
  rescan: RescanIndex,
  ids: string[],
  known: { vectors: Map<string, Float32Array>; model: string; withResults: Set<string> },
): Promise<Map<string, PatternScore[]>> {
  const fresh = new Map<string, PatternScore[]>();
  for (const post of await deps.store.rescans.readCandidates(ids)) {
    const content = rescan.index.score(featuresOf(rescan, post, known.vectors.get(post.id) ?? null, known.model));
    if (content.length > 0 || known.withResults.has(post.id)) fresh.set(post.id, content);
  }
  return fresh;
}

/** The posts whose stored score the fresh results change, merged with what the score holds now. */
async function changesOf(deps: CheckChunkDeps, rescan: RescanIndex, fresh: Map<string, PatternScore[]>, model: string): Promise<ScoreChange[]> {
  if (fresh.size === 0) return [];
  const stored = await deps.store.scores.getMany([...fresh.keys()]);
  const scoredAt = new Date().toISOString();
  const changes: ScoreChange[] = [];
  for (const [postId, content] of fresh) {
    const old = stored.get(postId);
    // Not scored yet: the post is still in the live pipeline, which scores it against every
    // current pattern; writing a partial score here would make live scoring skip it.
    if (!old) continue;
    const change = rescoreChange(old, combineWithBehaviour(content, old, rescan.patterns), rescan.versions, model, scoredAt);
    if (change) changes.push(change);
  }
  if (changes.length > 0) {
    const stories = await deps.store.stories.ofPosts(changes.map((c) => c.score.postId));
    for (const change of changes) change.storyId = stories.get(change.score.postId) ?? null;
  }
  return changes;
}

const NO_WORDS: Pick<PostFeatures, 'tokens' | 'shingles' | 'shingleSet' | 'minhash' | 'text' | 'normalized' | 'textHash' | 'urlKeys'> = {
  tokens: [],
  shingles: { k: 3, width: 0, hashes: new Uint32Array(0), starts: new Uint32Array(0) },
  shingleSet: new Set(),
  minhash: null,
  text: '',
  normalized: '',
  textHash: '',
  urlKeys: [],
};

/** Whether a stored vector alone gives the post a semantic signal for one of the patterns. */
function semanticHit(rescan: RescanIndex, vector: Float32Array, model: string): boolean {
  return rescan.index.score({ ...NO_WORDS, embedding: vector, model }).length > 0;
}

/**
 * A candidate's features as live scoring computed them, from its text and stored fingerprints:
 * words and shingles are recomputed (containment and spans need them), the stored MinHash
 * signature, text hash and URL keys are reused.
 */
function featuresOf(rescan: RescanIndex, post: CandidateText, embedding: Float32Array | null, model: string): PostFeatures {
  const text = textOf(post);
  if (post.minhash?.length !== DEFAULT_NUM_HASHES) return rescan.index.postFeatures(text, post.urls, embedding, model);
  const tokens = tokenize(text);
  const words = tokens.map((t) => t.text);
  const shingles = shingle(words, DEFAULT_SHINGLE_SIZE);
  return {
    tokens,
    shingles,
    shingleSet: shingleSet(shingles),
    minhash: post.minhash,
    text,
    normalized: words.join(' '),
    textHash: post.textHash,
    urlKeys: post.urlKeys,
    embedding,
    model: embedding ? model : 'none',
  };
}

function textOf(post: Pick<PostRecord, 'title' | 'text'>): string {
  return matchableText({ title: post.title ?? undefined, text: post.text });
}
