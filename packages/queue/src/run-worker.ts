import { Worker, type Job, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { JOBS, QUEUES, jobsOfQueue, type JobName, type JobPayload, type QueueName } from './queues.js';

export type Processor<N extends JobName> = (job: Job<JobPayload<N>, unknown, N>) => Promise<unknown>;
export type Processors = { [N in JobName]: Processor<N> };

export interface RunWorkersOptions {
  connection: Redis;
  prefix: string;
  processors: Processors;
  /** Jobs each queue's worker holds at once. Default 1 per queue; the score queue needs many for batching. */
  concurrency?: Partial<Record<QueueName, number>>;
  /**
   * How long a job stays locked without a renewal (its worker died) before BullMQ considers it
   * stalled and hands it to another worker; stalled jobs are also looked for this often. Default 30 s.
   */
  lockDuration?: number;
  /** Start paused until `worker.run()`; for tests. */
  autorun?: boolean;
}

/** Starts one BullMQ worker per queue; each dispatches to the processor registered for its job names. */
export function runWorkers(options: RunWorkersOptions): Worker[] {
  assertProcessors(options.processors);
  return (Object.values(QUEUES) as QueueName[]).map((queue) => {
    const names = jobsOfQueue(queue);
    const workerOptions: WorkerOptions = {
      // Shared for commands; BullMQ makes (and closes) its own duplicate for the blocking reads.
      connection: options.connection,
      prefix: options.prefix,
      concurrency: options.concurrency?.[queue] ?? 1,
      lockDuration: options.lockDuration ?? 30_000,
      stalledInterval: options.lockDuration ?? 30_000,
      autorun: options.autorun ?? true,
      skipVersionCheck: true,
    };
    return new Worker(
      queue,
      async (job: Job) => {
        if (!names.includes(job.name as JobName)) throw new Error(`no processor for job ${job.name} on queue ${queue}`);
        const processor = options.processors[job.name as JobName] as Processor<JobName>;
        return processor(job as Job<JobPayload<JobName>, unknown, JobName>);
      },
      workerOptions,
    );
  });
}

/** Fails fast at startup if a job has no processor, or one is given for a job that does not exist. */
export function assertProcessors(processors: Record<string, unknown>): void {
  const registered = Object.keys(JOBS);
  const missing = registered.filter((name) => typeof processors[name] !== 'function');
  const unknown = Object.keys(processors).filter((name) => !registered.includes(name));
  if (missing.length > 0 || unknown.length > 0) {
    throw new Error(`worker processors do not match the job registry: missing [${missing.join(', ')}], unknown [${unknown.join(', ')}]`);
  }
}
