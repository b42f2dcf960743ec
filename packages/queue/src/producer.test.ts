import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { PostInput } from '@undertow/core';
import { Producer } from './producer.js';
import { createRedis } from './redis.js';
import { JOBS } from './queues.js';
import { assertProcessors } from './run-worker.js';

const post = (externalId: string): PostInput => ({
  source: 'test',
  externalId,
  author: { id: 'a1' },
  text: 'hello world',
  createdAt: '2026-01-01T00:00:00Z',
});

describe('Producer', () => {
  const redis = createRedis(inject('redisUrl'));
  const producer = new Producer(redis, `t-${randomUUID()}`);

  afterAll(async () => {
    await producer.close();
    redis.disconnect();
  });

  it('queues a post once and answers duplicate after, within and across requests', async () => {
    expect(await producer.enqueuePosts([post('1'), post('2'), post('1')])).toEqual([
      { status: 'queued' },
      { status: 'queued' },
      { status: 'duplicate' },
    ]);
    expect(await producer.enqueuePosts([post('2'), post('3')])).toEqual([{ status: 'duplicate' }, { status: 'queued' }]);
    expect(await producer.scoreDepth()).toBe(3);
    expect(await producer.wasSeen({ source: 'test', externalId: '3' })).toBe(true);
    expect(await producer.wasSeen({ source: 'other', externalId: '3' })).toBe(false);
  });
});

describe('assertProcessors', () => {
  const noop = async () => undefined;

  const all = Object.fromEntries(Object.keys(JOBS).map((name) => [name, noop]));

  it('accepts exactly one processor per registered job', () => {
    expect(() => assertProcessors(all)).not.toThrow();
  });

  it('refuses a missing or unknown processor at startup', () => {
    const { 'index-pattern': _, ...missing } = all;
    expect(() => assertProcessors(missing)).toThrow(/missing \[index-pattern\]/);
    expect(() => assertProcessors({ ...all, 'score-psot': noop })).toThrow(/unknown \[score-psot\]/);
  });
});
