/**
 * Collects items from concurrent jobs into batches of up to `maxSize`, flushing a partial
 * batch after `maxWaitMs`, so the model and the database see a few large calls instead of
 * many small ones. Each caller gets its own item's outcome; when a batch fails, its items are
 * tried one at a time, so a failure is each item's own and BullMQ retries only those that
 * failed.
 */
export class MicroBatcher<In, Out> {
  private queue: { item: In; resolve: (value: Out) => void; reject: (error: unknown) => void }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private running = 0;

  constructor(
    private readonly run: (items: In[]) => Promise<Out[]>,
    private readonly options: {
      /** Largest batch handed to `run`. */
      maxSize: number;
      /** Longest a partial batch waits for company. */
      maxWaitMs: number;
      /** Batches run at once; more than one overlaps database I/O with model time. Default 2. */
      maxConcurrent?: number;
    },
  ) {}

  add(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length >= this.options.maxSize) this.flushSoon(0);
      else this.flushSoon(this.options.maxWaitMs);
    });
  }

  /** Items waiting, not yet handed to a batch. */
  get pending(): number {
    return this.queue.length;
  }

  private flushSoon(delayMs: number): void {
    if (delayMs === 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.flush();
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.flush();
    }, delayMs);
  }

  private flush(): void {
    while (this.queue.length > 0 && this.running < (this.options.maxConcurrent ?? 2)) {
      const batch = this.queue.splice(0, this.options.maxSize);
      this.running++;
      void this.execute(batch).finally(() => {
        this.running--;
        if (this.queue.length >= this.options.maxSize) this.flush();
        else if (this.queue.length > 0) this.flushSoon(this.options.maxWaitMs);
      });
    }
  }

  private async execute(batch: typeof this.queue): Promise<void> {
    try {
      const results = await this.run(batch.map((entry) => entry.item));
      batch.forEach((entry, i) => entry.resolve(results[i] as Out));
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      // One item the database refuses must not fail the rest: its batch-mates would be retried
      // with the same backoff, meet it again in their next batch, and run out of attempts with
      // it. Each item is tried alone, so only the bad one fails.
      for (const entry of batch) {
        try {
          const [result] = await this.run([entry.item]);
          entry.resolve(result as Out);
        } catch (itemError) {
          entry.reject(itemError);
        }
      }
    }
  }
}
