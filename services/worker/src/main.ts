import { pino } from 'pino';
import { loadConfig } from '@undertow/config';
import { startWorker } from './worker.js';

const config = loadConfig();
const log = pino({ level: config.logLevel, name: 'worker' });
const worker = await startWorker(config, log);

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: finishing the jobs in hand');
    void worker.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'unclean shutdown');
        process.exit(1);
      },
    );
  });
}
