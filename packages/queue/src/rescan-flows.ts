import { FlowProducer } from 'bullmq';
import type { Redis } from 'ioredis';
import { JOBS, QUEUES } from './queues.js';

/** Job id of a rescan's parent job; deterministic, so adding a rescan's flow twice adds it once. */
export function rescanJobId(rescanId: string): string {
  return `rescan-${rescanId}`;
}

export function rescanChunkJobId(rescanId: string, chunk: number): string {
  return `rescan-${rescanId}-${chunk}`;
}

/** A planned rescan, as the planner (the store's rescan repository) answers it. */
export interface PlannedRescan {
  rescan: { id: string; state: string; chunks: { total: number } };
  /** False when the planner found the rescan already made (by its dedupe key). */
  created: boolean;
}

/** Plans rescans in the database; see `RescanRepository` in the store. */
export interface RescanPlanner<Request, Planned extends PlannedRescan> {
  create(request: Request): Promise<Planned>;
  fail(id: string, error: string): Promise<void>;
}

/**
 * Puts rescans on the `rescans` queue as BullMQ flows: a `rescan` parent with one
 * `rescan-chunk` child per chunk. Every worker takes chunks, so all of them share a rescan; the
 * parent runs once every chunk is done and closes the rescan.
 */
export class RescanFlows {
  private readonly producer: FlowProducer;

  constructor(redis: Redis, prefix: string) {
    this.producer = new FlowProducer({ connection: redis, prefix, skipVersionCheck: true });
  }

  /** Adds the flow of a planned rescan with `chunks` chunks (numbered from 0). */
  async start(rescanId: string, chunks: number): Promise<void> {
    await this.producer.add({
      name: 'rescan',
      queueName: QUEUES.rescans,
      data: { rescanId },
      opts: { ...JOBS.rescan.options, jobId: rescanJobId(rescanId) },
      children: Array.from({ length: chunks }, (_, chunk) => ({
        name: 'rescan-chunk',
        queueName: QUEUES.rescans,
        data: { rescanId, chunk },
        opts: { ...JOBS['rescan-chunk'].options, jobId: rescanChunkJobId(rescanId, chunk) },
      })),
    });
  }

  /**
   * Plans a rescan with `planner` and adds its flow. A rescan that cannot be queued is marked
   * failed rather than left `queued` forever. A rescan the planner found already made is
   * queued again while it is still `queued` (its maker may have died before queueing it);
   * the deterministic job ids make that harmless.
   */
  async launch<Request, Planned extends PlannedRescan>(planner: RescanPlanner<Request, Planned>, request: Request): Promise<Planned> {
    const planned = await planner.create(request);
    if (planned.rescan.state !== 'queued') return planned;
    try {
      await this.start(planned.rescan.id, planned.rescan.chunks.total);
    } catch (error) {
      if (planned.created) await planner.fail(planned.rescan.id, `could not be queued: ${error instanceof Error ? error.message : String(error)}`);
      throw error;
    }
    return planned;
  }

  async close(): Promise<void> {
    await this.producer.close();
  }
}
