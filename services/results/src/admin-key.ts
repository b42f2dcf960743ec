import type { AdminBootstrap, ApiKeyRepository } from '@undertow/store';

/**
 * Makes sure an admin can get in: seeds `UNDERTOW_ADMIN_KEY` when it is set, otherwise makes
 * an admin key when none exists. Answers the new key's secret when one was made (to print
 * once), else null.
 */
export async function ensureAdminKey(keys: Pick<ApiKeyRepository, 'ensureAdmin'>, seed: string | null): Promise<string | null> {
  const outcome: AdminBootstrap = await keys.ensureAdmin(seed);
  return outcome.action === 'created' ? outcome.secret : null;
}

/** What to print when the first admin key is made: it is shown this once. */
export function adminKeyNotice(secret: string): string {
  return [
    '',
    'No admin API key existed, so one was made. It is shown this once; store it now:',
    '',
    `  ${secret}`,
    '',
    'Use it as `x-api-key: <key>` or `Authorization: Bearer <key>`; make reviewer and submitter keys with',
    'POST /v1/keys or `undertow keys create --role reviewer --name <name>`.',
    '',
  ].join('\n');
}
