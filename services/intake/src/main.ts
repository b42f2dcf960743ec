import { loadConfig } from '@undertow/config';
import { createLogger, stopOnSignal } from '@undertow/runtime';
import { buildIntakeApp } from './app.js';
import { createIntakeContext } from './context.js';

const config = loadConfig();
const log = createLogger('intake', config.logLevel);
const ctx = await createIntakeContext(config, log);
const app = await buildIntakeApp(ctx);
await app.listen({ host: config.intake.host, port: config.intake.port });

// A request waiting on a Redis that is out of reach never finishes; past the deadline intake
// exits, and its clients, unanswered, send those posts again.
process.exit(
  await stopOnSignal(log, {
    stopping: 'no new requests, finishing those in flight',
    stop: async () => {
      await app.close();
      await ctx.close();
    },
    overdue: 'requests in flight did not finish (Redis out of reach?): exiting unanswered; clients retry them',
  }),
);
