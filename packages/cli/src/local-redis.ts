import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Config } from '@undertow/config';
import { pingRedis } from '@undertow/queue';

export interface RedisHandle {
  url: string;
  /** Set when this process started the server itself. */
  child: ChildProcess | null;
  stop(): Promise<void>;
}

/**
 * The Redis the one-process product uses: REDIS_URL when set; else a local server on 6379 if one
 * answers; else, when `redis-server` is installed, a private one with its AOF under the data
 * directory (so queued posts survive a restart).
 */
/**
 * The Redis a running product uses, for commands that inspect it: REDIS_URL (or 6379) when it
 * answers, else the private server `undertow start` keeps under the data directory.
 */
export async function findRunningRedis(config: Readonly<Config>): Promise<string> {
  if (await pingRedis(config.redis.url)) return config.redis.url;
  const privateUrl = `unix://${privateSocket(config)}`;
  if (config.redis.isDefault && (await pingRedis(privateUrl))) return privateUrl;
  throw new Error(
    config.redis.isDefault
      ? `no Redis answers at ${config.redis.url} nor under ${config.dataDir}/redis; is Undertow running? (set REDIS_URL to the one it uses)`
      : `Redis at REDIS_URL=${config.redis.url} does not answer`,
  );
}

export async function ensureRedis(config: Readonly<Config>, log: Logger): Promise<RedisHandle> {
  const none: Omit<RedisHandle, 'url'> = { child: null, stop: async () => undefined };
  if (await pingRedis(config.redis.url)) return { url: config.redis.url, ...none };
  if (!config.redis.isDefault) {
    throw new Error(`Redis at REDIS_URL=${config.redis.url} does not answer. Start it, or unset REDIS_URL to let Undertow start a private one.`);
  }
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    throw new Error(
      'No Redis answers at 127.0.0.1:6379 and redis-server is not installed. Install it (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) or set REDIS_URL.',
    );
  }
  const socket = privateSocket(config);
  const dir = dirname(socket);
  mkdirSync(dir, { recursive: true });
  const child = spawn(
    'redis-server',
    ['--port', '0', '--unixsocket', socket, '--unixsocketperm', '700', '--dir', dir, '--appendonly', 'yes', '--save', '', '--maxmemory-policy', 'noeviction'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const url = `unix://${socket}`;
  const deadline = Date.now() + 10_000;
  while (!(existsSync(socket) && (await pingRedis(url, 500)))) {
    if (child.exitCode !== null) throw new Error(`the private redis-server exited with code ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error('the private redis-server did not start within 10 s');
    await sleep(50);
  }
  log.info({ url, dir }, 'started a private redis-server (no Redis answered at 127.0.0.1:6379)');
  return {
    url,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Where the private redis-server of the one-process product listens: under the data directory. */
function privateSocket(config: Readonly<Config>): string {
  return join(config.dataDir, 'redis', 'redis.sock');
}
