import type { Logger } from 'pino';
import type { Config } from '@undertow/config';
import { stopOnSignal } from '@undertow/runtime';
import { adminKeyNotice } from '@undertow/results';
import { startProduct } from '../product.js';

export async function startCommand(config: Readonly<Config>, log: Logger): Promise<void> {
  const product = await startProduct(config, log);
  if (product.newAdminKey) process.stdout.write(adminKeyNotice(product.newAdminKey));
  process.stdout.write(
    [
      '',
      'Undertow is running (one process).',
      `  intake API   ${product.intakeUrl}   POST /v1/posts, POST /v1/engagement   docs: ${product.intakeUrl}/docs`,
      `  results API  ${product.resultsUrl}   /v1/flags, /v1/patterns              docs: ${product.resultsUrl}/docs`,
      `  console      ${product.resultsUrl}/   sign in with a reviewer or admin key`,
      `  database     ${product.database === 'pglite' ? `PGlite under ${config.dataDir}/pglite` : 'PostgreSQL (DATABASE_URL)'}`,
      `  redis        ${product.redisUrl}`,
      `  model        ${product.model}${product.model === 'none' ? '   (semantic matching OFF: see the warning above)' : ''}`,
      '',
    ].join('\n') + '\n',
  );
  process.exitCode = await stopOnSignal(log, {
    stopping: 'intake closes, the worker finishes the jobs in hand',
    stop: () => product.close(),
    overdue: 'exiting; jobs in hand return to the queue when their locks expire',
  });
}
