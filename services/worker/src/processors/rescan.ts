import type { Logger } from 'pino';
import type { Processor } from '@undertow/queue';
import type { Store } from '@undertow/store';

/** The parent of a rescan's chunks: runs once every chunk job has ended, and closes the rescan. */
export function rescanProcessor(deps: { store: Pick<Store, 'rescans'>; log: Logger }): Processor<'rescan'> {
  return async (job) => {
    const rescan = await deps.store.rescans.finish(job.data.rescanId);
    if (!rescan) return { skipped: 'missing' };
    deps.log.info(
      { rescanId: rescan.id, state: rescan.state, total: rescan.total, done: rescan.done, newlyFlagged: rescan.newlyFlagged, noLongerFlagged: rescan.noLongerFlagged, rate: rescan.rate },
      'rescan ended',
    );
    return { state: rescan.state, done: rescan.done, total: rescan.total };
  };
}
