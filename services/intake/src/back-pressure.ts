/**
 * Caches the score queue's depth for a short while so that a burst of requests costs one
 * Redis round trip, not one each.
 */
export class BackPressure {
  private depth = 0;
  private readAt = 0;
  private pending: Promise<number> | null = null;

  constructor(
    private readonly readDepth: () => Promise<number>,
    private readonly maxDepth: number,
    private readonly ttlMs = 250,
  ) {}

  /** Seconds a client should wait before retrying, or 0 when the queue has room. */
  async retryAfter(now = Date.now()): Promise<number> {
    if (now - this.readAt > this.ttlMs) {
      this.pending ??= this.readDepth().finally(() => (this.pending = null));
      this.depth = await this.pending;
      this.readAt = now;
    }
    if (this.depth <= this.maxDepth) return 0;
    // Ask for longer the deeper the backlog, capped so clients keep probing.
    return Math.min(30, Math.ceil((this.depth / this.maxDepth) * 2));
  }
}
