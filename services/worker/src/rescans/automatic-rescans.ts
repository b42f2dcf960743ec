import type { Logger } from 'pino';
import { ConflictError, type Pattern, type Rescan } from '@undertow/core';
import type { RescanFlows } from '@undertow/queue';
import type { Store } from '@undertow/store';

export interface AutomaticRescanOptions {
  /** Days of stored posts to rescan, back from the newest post (or now, if that is earlier); 0 for none. */
  recentDays: number;
  chunkSize: number;
}

/**
 * Rescans recent history when a pattern version becomes ready, so that an admin who adds a
 * leaked document learns where it has already been. One rescan per pattern version: a
 * retried indexing job finds the rescan it started.
 */
export class AutomaticRescans {
  constructor(
    private readonly deps: {
      store: Pick<Store, 'rescans'>;
      flows: Pick<RescanFlows, 'launch'>;
      log: Logger;
    },
    private readonly options: AutomaticRescanOptions,
  ) {}

  /** Starts the rescan of a newly indexed pattern version; null when there is none to start. */
  async afterIndexed(pattern: Pick<Pattern, 'id' | 'name' | 'version' | 'kind' | 'active'>): Promise<Rescan | null> {
    if (this.options.recentDays === 0 || !pattern.active || pattern.kind === 'behaviour') return null;
    try {
      const { rescan, created } = await this.deps.flows.launch(this.deps.store.rescans, {
        patternIds: [pattern.id],
        recentDays: this.options.recentDays,
        reason: `pattern "${pattern.name}" version ${pattern.version} was indexed: rescanning its last ${this.options.recentDays} days of posts`,
        createdBy: 'system',
        dedupeKey: `pattern:${pattern.id}:v${pattern.version}`,
        chunkSize: this.options.chunkSize,
      });
      if (created) {
        this.deps.log.info({ rescanId: rescan.id, patternId: pattern.id, version: pattern.version, posts: rescan.total, from: rescan.from }, 'automatic rescan started');
      }
      return rescan;
    } catch (error) {
      // Edited, deactivated or removed meanwhile: the newer version starts its own rescan.
      if (error instanceof ConflictError) {
        this.deps.log.info({ patternId: pattern.id, version: pattern.version, reason: error.message }, 'automatic rescan skipped');
        return null;
      }
      throw error;
    }
  }
}
