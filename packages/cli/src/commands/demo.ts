import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { loadConfig, type Config } from '@undertow/config';
import { createRedis } from '@undertow/queue';
import { generateApiKey } from '@undertow/store';
import { ApiClient } from '../api-client.js';
import { LEAKED_MEMO, LEAKED_MEMO_TITLE, demoStream } from '../demo/index.js';
import { startProduct } from '../product.js';

interface FlagItem {
  id: string;
  patternId: string;
  tier: string;
  score: number;
  post: { externalId: string; community: string | null; text: string };
}

/**
 * Runs the product in a throwaway data directory, creates the demo's known document, streams
 * 120 posts (8 of which quote it with edits) through the intake API and prints the flags.
 */
export async function demoCommand(env: NodeJS.ProcessEnv, log: Logger): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'undertow-demo-'));
  const adminKey = generateApiKey();
  // Its own key prefix, so a demo never mixes with an instance that shares the local Redis.
  const prefix = `undertow-demo-${adminKey.slice(-8)}`;
  const config: Readonly<Config> = loadConfig({ ...env, DATA_DIR: dataDir, INTAKE_PORT: '0', RESULTS_PORT: '0', UNDERTOW_ADMIN_KEY: adminKey, REDIS_PREFIX: prefix });
  const product = await startProduct(config, log);
  try {
    // Each client uses a key of the role it needs: the feed submits, the reviewer reads flags.
    const admin = new ApiClient(product.resultsUrl, { 'x-api-key': adminKey });
    const makeKey = async (name: string, role: string) =>
      (await admin.expect<{ secret: string }>('POST', '/v1/keys', { name, role }, [201])).secret;
    const intake = new ApiClient(product.intakeUrl, { 'x-api-key': await makeKey('demo-feed', 'submitter') });
    const results = new ApiClient(product.resultsUrl, { 'x-api-key': await makeKey('demo-reviewer', 'reviewer') });
    const pattern = await admin.expect<{ id: string }>('POST', '/v1/patterns', { kind: 'document', name: LEAKED_MEMO_TITLE, text: LEAKED_MEMO, tags: ['T0089'] }, [201]);
    await waitFor(async () => (await admin.expect<{ status: string }>('GET', `/v1/patterns/${pattern.id}`, undefined, [200])).status === 'ready');
    const stream = demoStream({ total: 120, carrying: 8 });
    const submitted = await intake.expect<{ accepted: number }>('POST', '/v1/posts', { posts: stream.posts }, [202]);
    const last = stream.posts.at(-1)!;
    await waitFor(async () => (await intake.request<{ status: string }>('GET', `/v1/posts/${last.source}/${last.externalId}`)).body?.status === 'scored');
    await waitFor(async () => {
      const statuses = await Promise.all(stream.posts.map((p) => intake.request<{ status: string }>('GET', `/v1/posts/${p.source}/${p.externalId}`)));
      return statuses.every((s) => s.body?.status === 'scored');
    });
    const flags = await results.expect<{ items: FlagItem[] }>('GET', `/v1/flags?sort=score&limit=50&patternId=${pattern.id}`, undefined, [200]);
    const behaviour = await results.expect<{ items: FlagItem[] }>('GET', '/v1/flags?sort=score&limit=500&status=open', undefined, [200]);
    const byPattern = new Map<string, number>();
    for (const f of behaviour.items) if (f.patternId !== pattern.id) byPattern.set(f.patternId, (byPattern.get(f.patternId) ?? 0) + 1);
    const lines = [
      '',
      `Demo: "${LEAKED_MEMO_TITLE}" registered as a document pattern.`,
      `Submitted ${submitted.accepted} posts; ${stream.carriers.size} of them quote the memo with edits. Model: ${product.model}.`,
      `Flags for the memo (${flags.items.length}):`,
      ...flags.items.map((f) => `  #${f.id} ${f.tier.padEnd(8)} ${f.score.toFixed(2)}  ${f.post.externalId}  ${f.post.community ?? ''}  ${truncate(f.post.text, 70)}`),
      `Behaviour flags (amplification whatever the material): ${[...byPattern].map(([id, n]) => `${id} ${n}`).join(', ') || 'none'}`,
      '',
      `Open a flag's evidence: GET /v1/flags/<id> (matched passage, spans, signals); its story: GET /v1/stories/<storyId>.`,
      '',
    ];
    process.stdout.write(lines.join('\n'));
  } finally {
    await product.close();
    await removeKeys(product.redisUrl, prefix);
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Leaves the local Redis as the demo found it. */
async function removeKeys(url: string, prefix: string): Promise<void> {
  const redis = createRedis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } catch {
    // The private redis-server the demo may have started is gone with its data directory.
  } finally {
    redis.disconnect();
  }
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('the demo timed out waiting for the worker');
    await sleep(200);
  }
}

function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
