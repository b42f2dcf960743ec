import type { Redis } from 'ioredis';

/**
 * A counter bumped whenever the set of active patterns or their passages changes, so each
 * worker reloads its in-memory pattern index with one GET per batch rather than a query.
 */
export class PatternClock {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.key = `${prefix}:patterns:clock`;
  }

  async bump(): Promise<number> {
    return this.redis.incr(this.key);
  }

  async read(): Promise<number> {
    return Number((await this.redis.get(this.key)) ?? 0);
  }
}
