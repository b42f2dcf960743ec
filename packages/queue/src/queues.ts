import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { EngagementUpdate, PostInput } from '@undertow/core';
import type { JobsOptions } from 'bullmq';

/**
 * The one registry of queues, job names, payload schemas and default job options.
 * A job name appears here once; `runWorkers` refuses to start unless every job has exactly
 * one processor.
 */
export const ScorePostPayload = Type.Object({
  post: PostInput,
  /** When intake accepted the post (ISO); the time of arrival, kept for latency figures only. */
  acceptedAt: Type.String(),
});
export type ScorePostPayload = Static<typeof ScorePostPayload>;

export const ApplyEngagementPayload = Type.Object({ updates: Type.Array(EngagementUpdate) });
export type ApplyEngagementPayload = Static<typeof ApplyEngagementPayload>;

export const IndexPatternPayload = Type.Object({ patternId: Type.String(), version: Type.Integer() });
export type IndexPatternPayload = Static<typeof IndexPatternPayload>;

/** A rescan: its parent job runs once every chunk is done, and closes it. */
export const RescanPayload = Type.Object({ rescanId: Type.String() });
export type RescanPayload = Static<typeof RescanPayload>;

/** One chunk of a rescan: a run of post ids that one worker checks in one transaction. */
export const RescanChunkPayload = Type.Object({ rescanId: Type.String(), chunk: Type.Integer({ minimum: 0 }) });
export type RescanChunkPayload = Static<typeof RescanChunkPayload>;

const retried: JobsOptions = {
  attempts: 10,
  backoff: { type: 'exponential', delay: 500 },
  // Completed jobs are dropped (PostgreSQL holds the result); failed ones stay visible.
  removeOnComplete: { age: 600, count: 10_000 },
  removeOnFail: false,
};

export const QUEUES = {
  score: 'score',
  engagement: 'engagement',
  patterns: 'patterns',
  rescans: 'rescans',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

interface JobDefinition<S extends TSchema> {
  queue: QueueName;
  payload: S;
  options: JobsOptions;
}

export const JOBS = {
  'score-post': { queue: QUEUES.score, payload: ScorePostPayload, options: retried },
  'apply-engagement': { queue: QUEUES.engagement, payload: ApplyEngagementPayload, options: retried },
  'index-pattern': { queue: QUEUES.patterns, payload: IndexPatternPayload, options: { ...retried, attempts: 5 } },
  rescan: { queue: QUEUES.rescans, payload: RescanPayload, options: { ...retried, attempts: 5 } },
  // A chunk that fails for good (errors, or a worker dying on it twice) still lets its parent
  // run, which then finds the chunk unchecked and marks the rescan failed.
  'rescan-chunk': { queue: QUEUES.rescans, payload: RescanChunkPayload, options: { ...retried, attempts: 5, ignoreDependencyOnFailure: true } },
} as const satisfies Record<string, JobDefinition<TSchema>>;

export type JobName = keyof typeof JOBS;
export type JobPayload<N extends JobName> = Static<(typeof JOBS)[N]['payload']>;

export function jobsOfQueue(queue: QueueName): JobName[] {
  return (Object.keys(JOBS) as JobName[]).filter((name) => JOBS[name].queue === queue);
}
