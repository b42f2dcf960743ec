import type { Redis } from 'ioredis';
import { bandKeys } from '@undertow/detect';
import type { StoryVia } from '@undertow/store';

/** What a post can be recognised by. */
export interface StoryKeys {
  /** Hash of the normalised text, for posts long enough for it to mean something. */
  textHash: string | null;
  /** MinHash signature: near-duplicates are found through its LSH bands. */
  signature: Uint32Array | null;
  urlKeys: readonly string[];
  /** The post this one natively reposts or quotes. */
  repostOf: { source: string; externalId: string } | null;
  /** Pattern passages the post carries. */
  passageIds: readonly string[];
  /** The post itself, so that later reposts of it find its story. */
  self: { source: string; externalId: string };
}

export interface StoryAssignment {
  storyId: string;
  via: StoryVia;
  /** Stories this post joined together; they now live on as `storyId`. */
  merged: string[];
}

export interface StoryIndexOptions {
  /** How far apart in the posts' own time two sightings of the content may be. Default 30 days. */
  windowMs: number;
  /** Share of MinHash values a near-duplicate must share with the story's first post. Default 0.5. */
  minJaccard: number;
  /** LSH banding of the first 64 signature values. Default 32 bands × 2 rows. */
  bands: number;
  rows: number;
}

/**
 * Hashes per band and generation, as bits of the band's first value: 16,384 keep up to about 2
 * million stories a window within Redis's default 128 fields of a compact hash; past that the
 * hashes still work, at about 70 bytes a field.
 */
const BUCKET_BITS = 14;

export const DEFAULT_STORY_INDEX_OPTIONS: StoryIndexOptions = { windowMs: 30 * 86_400_000, minJaccard: 0.5, bands: 32, rows: 2 };

const VIA: Record<string, StoryVia> = { new: 'origin', text: 'text', band: 'near-duplicate', url: 'url', post: 'repost', passage: 'passage' };

/**
 * The hot index of stories in Redis: which story a post's text, links, repost target or matched
 * passage already belongs to. One atomic script per post, pipelined per batch, so concurrent
 * workers never split one story in two. Keys expire (wall clock) twice the window after their
 * last use; staleness in the posts' own time is checked on read.
 *
 * Near-duplicates are recognised by how many of the post's LSH bands the story already holds:
 * with r rows a band collides with probability J^r, so the count estimates the Jaccard
 * similarity without storing or comparing signatures.
 *
 * The bands are most of the index (32 per story), so they are not keys of their own but fields
 * of hashes: `b:<generation>:<band>:<bucket>`, the bucket taken from the band's first value, so
 * that each hash stays small enough for Redis's compact encoding (about 45 bytes a field
 * against about 180 for a key with an expiry). A generation is one window of wall-clock time;
 * bands are written to the current one and read from it and the one before, and a
 * generation's hashes expire a window after it ends: a band lives one to two windows.
 */
export class StoryIndex {
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly options: StoryIndexOptions = DEFAULT_STORY_INDEX_OPTIONS,
  ) {
    this.prefix = `${prefix}:story:`;
    if (!('undertowAssignStory' in redis)) redis.defineCommand('undertowAssignStory', { lua: ASSIGN_STORY });
  }

  /** Assigns each post a story, in the order given (give them in time order). */
  async assign(items: readonly { postId: string; createdAt: number; keys: StoryKeys }[]): Promise<StoryAssignment[]> {
    if (items.length === 0) return [];
    const { bands, rows, windowMs, minJaccard } = this.options;
    const ttlSeconds = Math.ceil((2 * windowMs) / 1000);
    // Half the expected collisions at the threshold: few misses there, few false hits far below it.
    const minBandHits = Math.max(2, Math.round((bands * minJaccard ** rows) / 2));
    // A shared link joins a story only if the texts are at least loosely alike (J ≈ 0.25).
    const minUrlBandHits = Math.max(1, Math.round((bands * 0.25 ** rows) / 2));
    const pipeline = this.redis.pipeline();
    for (const { postId, createdAt, keys } of items) {
      const strong = [
        ...(keys.textHash ? [this.key('text', keys.textHash)] : []),
        ...(keys.repostOf ? [this.key('post', refKey(keys.repostOf))] : []),
        ...keys.passageIds.map((id) => this.key('passage', id)),
      ];
      const band = keys.signature && keys.signature.length >= bands * rows ? bandFields(keys.signature.subarray(0, bands * rows), bands, rows) : [];
      const weak = keys.urlKeys.map((url) => this.key('url', url));
      const all = [...strong, ...weak, this.key('post', refKey(keys.self))];
      (pipeline as unknown as Record<string, (...args: unknown[]) => void>)['undertowAssignStory']!(
        all.length,
        ...all,
        this.prefix,
        postId,
        createdAt,
        windowMs,
        ttlSeconds,
        strong.length,
        band.length / 2,
        weak.length,
        minBandHits,
        minUrlBandHits,
        ...band,
      );
    }
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([error, reply]) => {
      if (error) throw error;
      const [storyId, how, ...merged] = (reply as (string | Buffer)[]).map(String);
      return { storyId: storyId!, via: VIA[how!] ?? 'near-duplicate', merged };
    });
  }

  private key(kind: string, value: string): string {
    return `${this.prefix}k:${kind}:${value}`;
  }
}

function refKey(ref: { source: string; externalId: string }): string {
  return `${ref.source}\u0000${ref.externalId}`;
}

/** Each band as (bucket, field): `<band>:<bucket>` names its hash within a generation, the band's values are the field. */
function bandFields(signature: Uint32Array, bands: number, rows: number): string[] {
  const out: string[] = [];
  bandKeys(signature, bands, rows).forEach((key, band) => {
    out.push(`${band}:${signature[band * rows]! >>> (32 - BUCKET_BITS)}`, key.slice(key.indexOf(':') + 1));
  });
  return out;
}

/*
 * KEYS: strong keys (text, repost target, passages), URL keys, the post's own key.
 * ARGV: prefix, newStoryId, postTimeMs, windowMs, ttlSeconds, nStrong, nBand, nUrl, minBandHits,
 * minUrlBandHits, then (bucket, field) for each LSH band.
 * Values are "storyId|lastSeenMs". Returns { storyId, how, merged... }.
 */
const ASSIGN_STORY = /* lua */ `
local prefix, newId = ARGV[1], ARGV[2]
local t, window, ttl = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local nStrong, nBand, nUrl = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local minBandHits, minUrlBandHits = tonumber(ARGV[9]), tonumber(ARGV[10])

local aliases = {}
local function resolve(id)
  local start = id
  if aliases[start] then return aliases[start] end
  for _ = 1, 32 do
    local alias = redis.call('GET', prefix .. 'alias:' .. id)
    if not alias then break end
    id = alias
  end
  aliases[start] = id
  return id
end

-- The story a "storyId|lastSeenMs" value points at, if its last sighting is within the window of this post.
local function storyOf(value)
  if not value then return nil, nil end
  local sep = string.find(value, '|', 1, true)
  local seen = tonumber(string.sub(value, sep + 1))
  if math.abs(t - seen) > window then return nil, seen end
  return resolve(string.sub(value, 1, sep - 1)), seen
end

local lastSeen = {}
local function live(i)
  local id, seen = storyOf(redis.call('GET', KEYS[i]))
  lastSeen[i] = seen
  return id
end

-- Band hashes of this generation of wall-clock time and of the one before.
local generation = math.floor(tonumber(redis.call('TIME')[1]) / ttl * 2)
local function bandHash(j, g)
  return prefix .. 'b:' .. g .. ':' .. ARGV[9 + 2 * j]
end
local function liveBand(j)
  local field = ARGV[10 + 2 * j]
  local value = redis.call('HGET', bandHash(j, generation), field) or redis.call('HGET', bandHash(j, generation - 1), field)
  return (storyOf(value))
end

local found, how = {}, nil
local function take(id, kind)
  if id and not found[id] then
    found[id] = true
    how = how or kind
  end
end

for i = 1, nStrong do
  take(live(i), string.match(KEYS[i], ':k:(%a+):'))
end
-- An exact match (same text, a native repost, the same passage) settles it: the band and link
-- look-ups, most of the script's work, are skipped.
if not how then
  local hits = {}
  for j = 1, nBand do
    local id = liveBand(j)
    if id then hits[id] = (hits[id] or 0) + 1 end
  end
  for id, n in pairs(hits) do
    if n >= minBandHits then take(id, 'band') end
  end
  for i = nStrong + 1, nStrong + nUrl do
    local id = live(i)
    if id and (nBand == 0 or (hits[id] or 0) >= minUrlBandHits) then take(id, 'url') end
  end
end
live(#KEYS)

-- The oldest story (smallest id: ids are the first posts' ids) survives a merge.
local story, merged = nil, {}
for id in pairs(found) do
  if not story or tonumber(id) < tonumber(story) then story = id end
end
if not story then story, how = newId, 'new' end
for id in pairs(found) do
  if id ~= story then
    redis.call('SET', prefix .. 'alias:' .. id, story, 'EX', ttl)
    table.insert(merged, id)
  end
end
table.sort(merged, function(a, b) return tonumber(a) < tonumber(b) end)

for i = 1, #KEYS do
  local last = t
  if lastSeen[i] and lastSeen[i] > last then last = lastSeen[i] end
  redis.call('SET', KEYS[i], story .. '|' .. last, 'EX', ttl)
end
-- Bands are written by a story's first post only: later posts are measured against it, and the
-- index stays at one set of bands per story rather than per post.
if how == 'new' then
  for j = 1, nBand do
    local hash = bandHash(j, generation)
    redis.call('HSET', hash, ARGV[10 + 2 * j], story .. '|' .. t)
    redis.call('EXPIRE', hash, ttl, 'NX')
  end
end

local reply = { story, how }
for _, id in ipairs(merged) do table.insert(reply, id) end
return reply
`;
