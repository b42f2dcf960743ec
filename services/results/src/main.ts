import { pino } from 'pino';
import { loadConfig } from '@undertow/config';
import { adminKeyNotice, ensureAdminKey } from './admin-key.js';
import { buildResultsApp } from './app.js';
import { createResultsContext } from './context.js';

const config = loadConfig();
const log = pino({ level: config.logLevel, name: 'results', redact: ['req.headers["x-api-key"]', 'req.headers.authorization'] });
const ctx = await createResultsContext(config, log);
const newAdminKey = await ensureAdminKey(ctx.store.apiKeys, config.auth.adminKey);
if (newAdminKey) process.stdout.write(adminKeyNotice(newAdminKey));
const app = await buildResultsApp(ctx);
await app.listen({ host: config.results.host, port: config.results.port });

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    void app
      .close()
      .then(() => ctx.close())
      .then(() => process.exit(0), (error: unknown) => {
        log.error({ err: error }, 'unclean shutdown');
        process.exit(1);
      });
  });
}
