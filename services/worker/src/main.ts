import { pino } from 'pino';
import { loadConfig } from '@undertow/config';
import { startWorker } from './worker.js';

const config = loadConfig();
const log = pino({ level: config.logLevel, name: 'worker' });
const worker = await startWorker(config, log);

/**
 * Longest a stop may take. With Redis or the database out of reach the jobs in hand can never
 * finish, and waiting on them kept a stopped worker alive indefinitely; past the deadline it
 * exits, and those jobs go back to the queue when their locks expire.
 */
const STOP_DEADLINE_MS = 30_000;

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: finishing the jobs in hand');
    setTimeout(() => {
      log.error({ deadlineMs: STOP_DEADLINE_MS }, 'the jobs in hand did not finish in time (Redis or the database out of reach?): exiting; they return to the queue when their locks expire');
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    void worker.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'unclean shutdown');
        process.exit(1);
      },
    );
  });
}
