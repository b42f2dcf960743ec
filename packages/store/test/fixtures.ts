import { randomUUID } from 'node:crypto';
import type { NewPost } from '../src/repositories/post-repository.js';

/** A source name no other test uses, so tests sharing a database do not see each other's posts. */
export function uniqueSource(): string {
  return `src-${randomUUID().slice(0, 8)}`;
}

export function minhashOf(seed: number, length = 64): Uint32Array {
  const out = new Uint32Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    // xorshift32: covers the whole 32-bit range, including values above 2^31.
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x >>> 0;
  }
  return out;
}

export function newPost(source: string, externalId: string, overrides: Partial<NewPost> = {}): NewPost {
  return {
    source,
    externalId,
    author: { id: `author-${externalId}` },
    text: `text of ${externalId}`,
    createdAt: '2019-10-21T14:03:00.000Z',
    urlKeys: [],
    textHash: `hash-${externalId}`,
    minhash: minhashOf(externalId.length + 7),
    ...overrides,
  };
}
