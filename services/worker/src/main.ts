import { loadConfig } from '@undertow/config';
import { createLogger, stopOnSignal } from '@undertow/runtime';
import { startWorker } from './worker.js';

const config = loadConfig();
const log = createLogger('worker', config.logLevel);
const worker = await startWorker(config, log);

// With Redis or the database out of reach the jobs in hand can never finish; past the
// deadline the worker exits, and those jobs go back to the queue when their locks expire.
process.exit(
  await stopOnSignal(log, {
    stopping: 'finishing the jobs in hand',
    stop: () => worker.close(),
    overdue: 'the jobs in hand did not finish (Redis or the database out of reach?): exiting; they return to the queue when their locks expire',
  }),
);
