import { describe, expect, it } from 'vitest';
import { MicroBatcher } from './micro-batcher.js';

describe('MicroBatcher', () => {
  it('groups concurrent items into full batches and answers each caller with its own result', async () => {
    const sizes: number[] = [];
    const batcher = new MicroBatcher<number, number>(
      async (items) => {
        sizes.push(items.length);
        return items.map((n) => n * 10);
      },
      { maxSize: 4, maxWaitMs: 1_000 },
    );
    const results = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((n) => batcher.add(n)));
    expect(results).toEqual([10, 20, 30, 40, 50, 60, 70, 80]);
    expect(sizes).toEqual([4, 4]);
  });

  it('flushes a partial batch after the wait', async () => {
    const batcher = new MicroBatcher<string, string>(async (items) => items.map((s) => s.toUpperCase()), { maxSize: 100, maxWaitMs: 5 });
    await expect(batcher.add('a')).resolves.toBe('A');
  });

  it('fails only the item that fails, not its batch-mates', async () => {
    const calls: number[][] = [];
    const batcher = new MicroBatcher<number, number>(
      async (items) => {
        calls.push(items);
        if (items.includes(3)) throw new Error('value out of range: 3');
        return items.map((n) => n * 10);
      },
      { maxSize: 4, maxWaitMs: 1_000 },
    );
    const outcomes = await Promise.allSettled([1, 2, 3, 4].map((n) => batcher.add(n)));
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual([10, 20, 'value out of range: 3', 40]);
    expect(calls).toEqual([[1, 2, 3, 4], [1], [2], [3], [4]]);
  });

  it('fails every caller of a failed batch, so each job is retried', async () => {
    const batcher = new MicroBatcher<number, number>(
      async () => {
        throw new Error('database down');
      },
      { maxSize: 2, maxWaitMs: 1 },
    );
    const outcomes = await Promise.allSettled([batcher.add(1), batcher.add(2)]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
  });
});
