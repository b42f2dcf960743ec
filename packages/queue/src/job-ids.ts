import { createHash } from 'node:crypto';
import { postKey, type PostRef } from '@undertow/core';

/**
 * Deterministic job id of a post: BullMQ ignores a second job with the id of a job it still
 * holds, so concurrent resubmissions collapse. Hex only: BullMQ rejects ids containing ':'.
 */
export function postJobId(ref: PostRef): string {
  return createHash('sha1').update(postKey(ref)).digest('hex');
}
