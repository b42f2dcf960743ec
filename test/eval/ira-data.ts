import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse';
import type { PostInput } from '@undertow/core';

export interface Tweet {
  idx: string;
  authorId: string;
  content: string;
  language: string;
  publishedAt: number;
  followers: number | null;
  clusterId: string | null;
}

/** Tweets of `ira-2016-10/tweets.csv` in time order (then by tweet_idx). */
export async function readTweets(dataDir: string, days?: number): Promise<Tweet[]> {
  const tweets: Tweet[] = [];
  const parser = createReadStream(join(dataDir, 'ira-2016-10', 'tweets.csv')).pipe(parse({ columns: true, relax_quotes: true }));
  for await (const row of parser as AsyncIterable<Record<string, string>>) {
    tweets.push({
      idx: row['tweet_idx']!,
      authorId: row['author_id']!,
      content: row['content'] ?? '',
      language: row['language'] ?? '',
      publishedAt: Date.parse(`${row['publish_date']!.replace(' ', 'T')}Z`),
      followers: row['followers'] ? Number(row['followers']) : null,
      clusterId: row['repost_cluster_id'] || null,
    });
  }
  tweets.sort((a, b) => a.publishedAt - b.publishedAt || Number(a.idx) - Number(b.idx));
  if (!days) return tweets;
  const end = tweets[0]!.publishedAt + days * 86_400_000;
  return tweets.filter((t) => t.publishedAt < end);
}

export interface Cluster {
  id: string;
  distinctAuthors: number;
  maxAuthorsWithin1h: number;
}

export async function readClusters(dataDir: string): Promise<Map<string, Cluster>> {
  const clusters = new Map<string, Cluster>();
  const parser = createReadStream(join(dataDir, 'ira-2016-10', 'repost-clusters.csv')).pipe(parse({ columns: true }));
  for await (const row of parser as AsyncIterable<Record<string, string>>) {
    clusters.set(row['repost_cluster_id']!, {
      id: row['repost_cluster_id']!,
      distinctAuthors: Number(row['n_distinct_authors']),
      maxAuthorsWithin1h: Number(row['max_distinct_authors_within_1h']),
    });
  }
  return clusters;
}

export function toPost(tweet: Tweet, text = tweet.content): PostInput {
  return {
    source: 'twitter',
    externalId: tweet.idx,
    author: { id: tweet.authorId, handle: tweet.authorId, ...(tweet.followers !== null && Number.isFinite(tweet.followers) ? { followers: tweet.followers } : {}) },
    text: text.slice(0, 40_000),
    ...(tweet.language ? { lang: tweet.language.slice(0, 35) } : {}),
    createdAt: new Date(tweet.publishedAt).toISOString(),
  };
}
