import { loadConfig } from '@undertow/config';
import { createLogger, stopOnSignal } from '@undertow/runtime';
import { adminKeyNotice, ensureAdminKey } from './admin-key.js';
import { buildResultsApp } from './app.js';
import { createResultsContext } from './context.js';

const config = loadConfig();
const log = createLogger('results', config.logLevel);
const ctx = await createResultsContext(config, log);
const newAdminKey = await ensureAdminKey(ctx.store.apiKeys, config.auth.adminKey);
if (newAdminKey) process.stdout.write(adminKeyNotice(newAdminKey));
const app = await buildResultsApp(ctx);
await app.listen({ host: config.results.host, port: config.results.port });

process.exit(
  await stopOnSignal(log, {
    stopping: 'no new requests, finishing those in flight',
    stop: async () => {
      await app.close();
      await ctx.close();
    },
    overdue: 'exiting with requests unanswered (the database out of reach?)',
  }),
);
