import { pino } from 'pino';
import { loadConfig } from '@undertow/config';
import { buildIntakeApp } from './app.js';
import { createIntakeContext } from './context.js';

const config = loadConfig();
const log = pino({ level: config.logLevel, name: 'intake', redact: ['req.headers["x-api-key"]', 'req.headers.authorization'] });
const ctx = await createIntakeContext(config, log);
const app = await buildIntakeApp(ctx);
await app.listen({ host: config.intake.host, port: config.intake.port });

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: no new requests, finishing those in flight');
    void app
      .close()
      .then(() => ctx.close())
      .then(() => process.exit(0), (error: unknown) => {
        log.error({ err: error }, 'unclean shutdown');
        process.exit(1);
      });
  });
}
