import type { Processor } from '@undertow/queue';
import type { ScorePostPayload } from '@undertow/queue';
import { MicroBatcher } from '../micro-batcher.js';
import { scorePosts, type ScoreOutcome, type ScorePostsDeps } from '../scoring/score-posts.js';

/** Each job hands its post to a micro-batch and finishes when that batch is stored. */
export function scorePostProcessor(deps: ScorePostsDeps, batch: { size: number; waitMs: number }): Processor<'score-post'> {
  const batcher = new MicroBatcher<ScorePostPayload, ScoreOutcome>((items) => scorePosts(deps, items), {
    maxSize: batch.size,
    maxWaitMs: batch.waitMs,
  });
  return async (job) => batcher.add(job.data);
}
