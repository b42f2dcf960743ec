import { pino } from 'pino';
import { loadConfig } from '@undertow/config';
import { buildIntakeApp } from './app.js';
import { createIntakeContext } from './context.js';

const config = loadConfig();
const log = pino({ level: config.logLevel, name: 'intake', redact: ['req.headers["x-api-key"]', 'req.headers.authorization'] });
const ctx = await createIntakeContext(config, log);
const app = await buildIntakeApp(ctx);
await app.listen({ host: config.intake.host, port: config.intake.port });

/**
 * Longest a stop may take. A request waiting on a Redis that is out of reach never finishes;
 * past the deadline intake exits, and its clients, unanswered, send those posts again.
 */
const STOP_DEADLINE_MS = 30_000;

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: no new requests, finishing those in flight');
    setTimeout(() => {
      log.error({ deadlineMs: STOP_DEADLINE_MS }, 'requests in flight did not finish in time (Redis out of reach?): exiting unanswered; clients retry them');
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    void app
      .close()
      .then(() => ctx.close())
      .then(() => process.exit(0), (error: unknown) => {
        log.error({ err: error }, 'unclean shutdown');
        process.exit(1);
      });
  });
}
