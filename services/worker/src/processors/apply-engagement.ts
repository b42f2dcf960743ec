import type { Processor } from '@undertow/queue';
import type { Store } from '@undertow/store';
import type { StoryReevaluator } from '../scoring/reevaluate-stories.js';

/**
 * Records engagement observed after the fact (the observation's own time is what counts), then
 * re-judges the stories of the posts it is about: a first appearance's traction is often only
 * known after its relaunch has been scored.
 */
export function applyEngagementProcessor(deps: { store: Pick<Store, 'engagement' | 'stories'>; reevaluator: Pick<StoryReevaluator, 'reevaluate'> }): Processor<'apply-engagement'> {
  return async (job) => {
    const recorded = await deps.store.engagement.recordMany(job.data.updates);
    const stories = await deps.store.stories.ofRefs(job.data.updates);
    const { posts } = await deps.reevaluator.reevaluate(stories);
    return { recorded, stories: stories.length, rescored: posts };
  };
}
