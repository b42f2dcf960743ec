import type { Redis } from 'ioredis';

/**
 * The set of post ids intake has accepted. Sharded into 4,096 small hashes so that Redis keeps
 * each in its compact encoding (a few bytes a post instead of a key each).
 */
export class SeenPosts {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async has(ids: string[]): Promise<boolean[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hexists(this.shard(id), id.slice(3));
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([error, value]) => {
      if (error) throw error;
      return value === 1;
    });
  }

  async mark(ids: string[]): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hset(this.shard(id), id.slice(3), 1);
    const replies = (await pipeline.exec()) ?? [];
    for (const [error] of replies) if (error) throw error;
  }

  private shard(id: string): string {
    return `${this.prefix}:seen:${id.slice(0, 3)}`;
  }
}
