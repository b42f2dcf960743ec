import { expect } from 'vitest';
import type { DemoStream } from '@undertow/cli';
import type { SubmitReport } from '../support/retrying-submitter.js';
import { reconcile, waitForDrain, type FaultStack } from './fault-stack.js';
import { recordFigures } from './figures.js';

/**
 * Waits for the queue to drain, then asserts in the database that every accepted post is
 * stored once and scored once, that exactly the carriers are flagged for the memo, that every
 * flag (behaviour patterns' too) is raised once with one `opened` event and no event twice,
 * and that no job failed; records the figures for docs/reliability.md.
 */
export async function expectNothingLost(
  stack: FaultStack,
  fault: string,
  stream: DemoStream,
  submitted: SubmitReport,
  details: Record<string, unknown> = {},
): Promise<void> {
  const source = stream.posts[0]!.source;
  expect(submitted.accepted.size).toBe(stream.posts.length);
  await waitForDrain(stack, source, submitted.accepted.size);
  const outcome = await reconcile(stack.db, source, submitted.accepted, stack.memoPatternId);
  const jobs = await stack.scoreJobs();
  recordFigures({
    fault,
    sent: stream.posts.length,
    accepted: submitted.accepted.size,
    scored: outcome.scored,
    lost: outcome.missing.length + outcome.unscored.length,
    flags: outcome.flags,
    flaggedForMemo: outcome.flagged.length,
    carriers: stream.carriers.size,
    duplicateFlags: outcome.duplicateFlags,
    duplicateEvents: outcome.duplicateEvents,
    retries: submitted.retries,
    failedJobs: jobs['failed'],
    ...details,
  });
  expect(outcome).toMatchObject({ missing: [], unexpected: [], unscored: [], duplicateFlags: 0, flagsWithoutOneOpened: 0, duplicateEvents: 0 });
  expect(outcome.flagged).toEqual([...stream.carriers.keys()].sort());
  expect(jobs['failed']).toBe(0);
}
