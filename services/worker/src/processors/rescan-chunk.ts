import type { Processor } from '@undertow/queue';
import { checkChunk, type CheckChunkDeps } from '../rescans/check-chunk.js';

/**
 * Checks one chunk of a rescan. A chunk that fails on its last attempt fails the rescan at
 * once, with its error; the other chunks then stop, and the parent closes the flow.
 */
export function rescanChunkProcessor(deps: CheckChunkDeps): Processor<'rescan-chunk'> {
  return async (job) => {
    const { rescanId, chunk } = job.data;
    const log = deps.log.child({ rescanId, chunk, jobId: job.id });
    try {
      const outcome = await checkChunk({ ...deps, log }, rescanId, chunk);
      log.debug({ outcome }, 'rescan chunk');
      return outcome;
    } catch (error) {
      if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) {
        await deps.store.rescans.fail(rescanId, `chunk ${chunk} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      throw error;
    }
  };
}
