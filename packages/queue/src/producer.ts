import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { EngagementUpdate, PostInput } from '@undertow/core';
import { postJobId } from './job-ids.js';
import { openQueues } from './open-queues.js';
import { JOBS, type QueueName } from './queues.js';
import { SeenPosts } from './seen-posts.js';

export interface EnqueueResult {
  status: 'queued' | 'duplicate';
}

/**
 * Puts work on the queues. Posts are deduplicated on (source, externalId): the seen-set is
 * read before enqueueing and written after, so a crash in between can only make a post look
 * new again (and the worker is idempotent), never make an accepted post vanish.
 */
export class Producer {
  readonly queues: Record<QueueName, Queue>;
  private readonly seen: SeenPosts;

  constructor(
    private readonly redis: Redis,
    readonly prefix: string,
  ) {
    this.queues = openQueues(redis, prefix);
    this.seen = new SeenPosts(redis, prefix);
  }

  async enqueuePosts(posts: PostInput[]): Promise<EnqueueResult[]> {
    const ids = posts.map(postJobId);
    const seenBefore = await this.seen.has(ids);
    const results: EnqueueResult[] = [];
    const fresh: { name: 'score-post'; data: { post: PostInput; acceptedAt: string }; opts: { jobId: string } & typeof JOBS['score-post']['options'] }[] = [];
    const inRequest = new Set<string>();
    const acceptedAt = new Date().toISOString();
    posts.forEach((post, i) => {
      const id = ids[i]!;
      if (seenBefore[i] || inRequest.has(id)) {
        results.push({ status: 'duplicate' });
        return;
      }
      inRequest.add(id);
      fresh.push({ name: 'score-post', data: { post, acceptedAt }, opts: { ...JOBS['score-post'].options, jobId: id } });
      results.push({ status: 'queued' });
    });
    if (fresh.length > 0) {
      await this.queues.score.addBulk(fresh);
      await this.seen.mark(fresh.map((job) => job.opts.jobId));
    }
    return results;
  }

  async enqueueEngagement(updates: EngagementUpdate[]): Promise<void> {
    await this.queues.engagement.add('apply-engagement', { updates }, JOBS['apply-engagement'].options);
  }

  async enqueuePatternIndex(patternId: string, version: number): Promise<void> {
    await this.queues.patterns.add('index-pattern', { patternId, version }, { ...JOBS['index-pattern'].options, jobId: `${patternId}-v${version}` });
  }

  /** Jobs waiting to be scored; what back-pressure is measured against. */
  async scoreDepth(): Promise<number> {
    return this.queues.score.getWaitingCount();
  }

  async wasSeen(ref: { source: string; externalId: string }): Promise<boolean> {
    const [seen] = await this.seen.has([postJobId(ref)]);
    return seen ?? false;
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.queues).map((queue) => queue.close()));
  }
}
