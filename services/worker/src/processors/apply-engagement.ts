import type { Processor } from '@undertow/queue';
import type { Store } from '@undertow/store';

/** Records engagement observed after the fact; the observation's own time is what counts. */
export function applyEngagementProcessor(deps: { store: Pick<Store, 'engagement'> }): Processor<'apply-engagement'> {
  return async (job) => {
    const recorded = await deps.store.engagement.recordMany(job.data.updates);
    return { recorded };
  };
}
