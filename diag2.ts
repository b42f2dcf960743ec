import { readTweets, toPost } from './test/eval/ira-data.js';
import { startStack } from './test/eval/stack.js';
import { call } from './test/support/http.js';
import { setTimeout as sleep } from 'node:timers/promises';
const tweets = await readTweets('../shared/data', 4);
const stack = await startStack({ LOG_LEVEL: 'debug' });
try {
  const posts = tweets.map((t) => toPost(t));
  for (let i = 0; i < posts.length; i += 1000) await call(stack.intake, 'POST', '/v1/posts', { posts: posts.slice(i, i + 1000) }, stack.headers);
  const t0 = Date.now();
  for (;;) { const { rows } = await stack.db.query('select count(*) n from scores'); if (Number(rows[0].n) >= posts.length) break; await sleep(500); }
  console.log('scored in', (Date.now() - t0) / 1000);
  const worker = stack.services.find((s) => s.name === 'worker')!;
  const lines = worker.output().split('\n').filter((l) => l.includes('batch scored')).map((l) => { try { return JSON.parse(l); } catch { return null; } }).filter(Boolean);
  const sum: Record<string, number> = {}; let n = 0;
  for (const l of lines) { n += l.posts; for (const [k, v] of Object.entries(l.ms)) sum[k] = Math.round((sum[k] ?? 0) + (v as number)); }
  console.log(worker.output().split("\n").filter((l) => l.includes("assign")).slice(-1)[0]); console.log(JSON.stringify({ batches: lines.length, posts: n, sum }));
} finally { await stack.stop(); }
