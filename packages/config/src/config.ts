import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';

/** The whole configuration, parsed once from the environment and frozen. */
export interface Config {
  env: 'development' | 'production' | 'test';
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Directory for PGlite, the private Redis and other local state. Default `./data`. */
  dataDir: string;
  database: {
    /** `DATABASE_URL`; when absent the embedded PGlite under `dataDir/pglite` is used. */
    url: string | null;
    /** `DATABASE_SCHEMA`: a schema to use on a shared server. */
    schema: string | null;
    poolSize: number;
  };
  redis: {
    /** `REDIS_URL`: `redis://host:port/db` or `unix:///path/to/redis.sock`. */
    url: string;
    /** True when REDIS_URL was not set: the one-process default may then start a private redis-server. */
    isDefault: boolean;
    /** Prefix of every key and queue, so several deployments can share one Redis. Default `undertow`. */
    prefix: string;
  };
  intake: {
    host: string;
    port: number;
    /** Queue depth (waiting jobs) above which intake answers 429. Default 200,000. */
    maxQueueDepth: number;
    /** Largest accepted request body in bytes. Default 16 MiB (1,000 posts of 16 KB). */
    bodyLimit: number;
  };
  results: {
    host: string;
    port: number;
    bodyLimit: number;
  };
  worker: {
    /** Jobs a worker holds at once; must exceed the embedding batch size so batches fill. Default 256. */
    concurrency: number;
    /** Posts scored together, amortising model calls and database round trips. Default 64. */
    batchSize: number;
    /** How long a partial batch waits for more posts. Default 15 ms. */
    batchWaitMs: number;
    /** `WORKER_LOCK_MS`: how long a job stays locked to a worker that stopped answering (a crash) before another worker takes it. Default 30 s. */
    lockMs: number;
    /** `WORKER_METRICS_PORT`: where the worker serves Prometheus `/metrics`; 0 picks a free port. Default 9464. */
    metricsPort: number;
    /** `WORKER_METRICS_HOST`: the metrics listen address. Default: `HOST`, else 127.0.0.1. */
    metricsHost: string;
  };
  auth: {
    /**
     * `UNDERTOW_ADMIN_KEY`: an admin key to make sure exists at startup (24+ printable
     * characters), for automation and tests. Without it, the first start with no admin key
     * makes one and prints it once.
     */
    adminKey: string | null;
    /** Requests per minute per key, by role; a key's own limit overrides. */
    rateLimitPerMinute: { submitter: number; reviewer: number; admin: number };
  };
  console: {
    /** `CONSOLE_DIR`: the built review console the results service serves at `/`. Default: services/console/dist. */
    dir: string | null;
  };
  stories: {
    /** How far apart, in the posts' own time, two sightings of the same content may be. Default 30 days. */
    windowDays: number;
    /** How far back the behaviour signals look from a post. Default 7 days. */
    lookbackDays: number;
    /** Share of MinHash values a near-duplicate shares with its story's first post. Default 0.5. */
    minJaccard: number;
  };
  rescan: {
    /**
     * `RESCAN_RECENT_DAYS`: a pattern that is added, edited or reactivated is rescanned against the
     * stored posts of its last N days, counted back from the newest stored post's own
     * `createdAt` (or from now, when that post is dated in the future), so that a replayed
     * archive is rescanned over its own last N days. 0 turns the automatic rescan off. Default 30.
     */
    recentDays: number;
    /** `RESCAN_CHUNK_SIZE`: posts per chunk, the unit that workers share and that a crash repeats. Default 5,000. */
    chunkSize: number;
    /** `RESCAN_CONCURRENCY`: chunks one worker process checks at once. Default 2. */
    concurrency: number;
  };
  model: {
    /** Directory holding `<name>/config.json`, `tokenizer.json`, `onnx/model*.onnx`. Default `./models`. */
    dir: string;
    name: string;
    dtype: 'fp32' | 'q8';
    /**
     * `MODEL_THREADS`: ONNX Runtime intra-op threads of the worker's model thread. Default: one
     * per core, measured fastest on an otherwise quiet machine; where other busy processes
     * share the cores, 1 measured faster (docs/benchmarks.md).
     */
    threads: number;
    /** Tokens a text is truncated to; null: the model's own limit, at most 256. */
    maxTokens: number | null;
    /** Set MODEL=none to run without semantic matching. */
    enabled: boolean;
  };
}

export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env, cores = defaultCores()): Readonly<Config> {
  const read = reader(env);
  const dataDir = resolve(read.string('DATA_DIR', './data'));
  const redisUrl = env['REDIS_URL']?.trim();
  const config: Config = {
    env: read.oneOf('NODE_ENV', ['development', 'production', 'test'] as const, 'development'),
    logLevel: read.oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    dataDir,
    database: {
      url: read.optional('DATABASE_URL'),
      schema: read.identifier('DATABASE_SCHEMA'),
      poolSize: read.int('DATABASE_POOL_SIZE', 10, 1, 200),
    },
    redis: {
      url: redisUrl ? checkRedisUrl(redisUrl) : 'redis://127.0.0.1:6379',
      isDefault: !redisUrl,
      prefix: read.string('REDIS_PREFIX', 'undertow'),
    },
    intake: {
      host: read.string('INTAKE_HOST', read.string('HOST', '127.0.0.1')),
      port: read.int('INTAKE_PORT', 8080, 0, 65535),
      maxQueueDepth: read.int('INTAKE_MAX_QUEUE_DEPTH', 200_000, 1, 1e9),
      bodyLimit: read.int('INTAKE_BODY_LIMIT', 16 * 1024 * 1024, 1024, 1024 ** 3),
    },
    results: {
      host: read.string('RESULTS_HOST', read.string('HOST', '127.0.0.1')),
      port: read.int('RESULTS_PORT', 8081, 0, 65535),
      bodyLimit: read.int('RESULTS_BODY_LIMIT', 8 * 1024 * 1024, 1024, 1024 ** 3),
    },
    worker: {
      concurrency: read.int('WORKER_CONCURRENCY', 256, 1, 10_000),
      batchSize: read.int('WORKER_BATCH_SIZE', 64, 1, 4096),
      batchWaitMs: read.int('WORKER_BATCH_WAIT_MS', 15, 0, 10_000),
      lockMs: read.int('WORKER_LOCK_MS', 30_000, 1_000, 3_600_000),
      metricsPort: read.int('WORKER_METRICS_PORT', 9464, 0, 65535),
      metricsHost: read.string('WORKER_METRICS_HOST', read.string('HOST', '127.0.0.1')),
    },
    auth: {
      adminKey: read.optional('UNDERTOW_ADMIN_KEY'),
      rateLimitPerMinute: {
        // A submitter sends batches of up to 1,000 posts and polls their status: it needs room.
        submitter: read.int('RATE_LIMIT_SUBMITTER', 60_000, 1, 1e9),
        reviewer: read.int('RATE_LIMIT_REVIEWER', 6_000, 1, 1e9),
        admin: read.int('RATE_LIMIT_ADMIN', 6_000, 1, 1e9),
      },
    },
    console: {
      dir: read.optional('CONSOLE_DIR') === null ? null : resolve(read.string('CONSOLE_DIR', '')),
    },
    stories: {
      windowDays: read.int('STORY_WINDOW_DAYS', 30, 1, 3650),
      lookbackDays: read.int('STORY_LOOKBACK_DAYS', 7, 1, 3650),
      minJaccard: read.int('STORY_MIN_JACCARD_PERCENT', 50, 1, 100) / 100,
    },
    rescan: {
      recentDays: read.int('RESCAN_RECENT_DAYS', 30, 0, 36_500),
      chunkSize: read.int('RESCAN_CHUNK_SIZE', 5_000, 10, 1_000_000),
      concurrency: read.int('RESCAN_CONCURRENCY', 2, 1, 64),
    },
    model: {
      dir: resolve(read.string('MODEL_DIR', './models')),
      name: read.string('MODEL_NAME', 'all-MiniLM-L6-v2'),
      dtype: read.oneOf('MODEL_DTYPE', ['fp32', 'q8'] as const, 'q8'),
      threads: read.int('MODEL_THREADS', cores, 1, 256),
      maxTokens: read.optional('MODEL_MAX_TOKENS') === null ? null : read.int('MODEL_MAX_TOKENS', 256, 8, 512),
      enabled: read.optional('MODEL') !== 'none',
    },
  };
  if (config.worker.concurrency < config.worker.batchSize) {
    throw new ConfigError('WORKER_CONCURRENCY', `(${config.worker.concurrency}) must be at least WORKER_BATCH_SIZE (${config.worker.batchSize})`);
  }
  const adminKey = config.auth.adminKey;
  if (adminKey !== null && (adminKey.length < 24 || adminKey.length > 256 || !/^[\x21-\x7e]+$/.test(adminKey))) {
    throw new ConfigError('UNDERTOW_ADMIN_KEY', 'must be 24 to 256 printable characters without spaces');
  }
  if (config.intake.port !== 0 && config.intake.port === config.results.port) {
    throw new ConfigError('RESULTS_PORT', 'must differ from INTAKE_PORT');
  }
  return deepFreeze(config);
}

function checkRedisUrl(url: string): string {
  if (!/^(rediss?|unix):\/\//.test(url)) throw new ConfigError('REDIS_URL', `must start with redis://, rediss:// or unix:// (got "${url}")`);
  return url;
}

function reader(env: Env) {
  const get = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  return {
    optional: (name: string): string | null => get(name) ?? null,
    string: (name: string, fallback: string): string => get(name) ?? fallback,
    int(name: string, fallback: number, min: number, max: number): number {
      const raw = get(name);
      if (raw === undefined) return fallback;
      const value = Number(raw);
      if (!Number.isInteger(value) || value < min || value > max) {
        throw new ConfigError(name, `must be an integer from ${min} to ${max} (got "${raw}")`);
      }
      return value;
    },
    oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
      const raw = get(name);
      if (raw === undefined) return fallback;
      if (!(allowed as readonly string[]).includes(raw)) throw new ConfigError(name, `must be one of ${allowed.join(', ')} (got "${raw}")`);
      return raw as T;
    },
    identifier(name: string): string | null {
      const raw = get(name);
      if (raw === undefined) return null;
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(raw)) throw new ConfigError(name, `must be a lower-case SQL identifier (got "${raw}")`);
      return raw;
    },
  };
}

function defaultCores(): number {
  return Math.max(1, availableParallelism());
}

function deepFreeze<T extends object>(value: T): Readonly<T> {
  for (const child of Object.values(value)) {
    if (child && typeof child === 'object') deepFreeze(child as object);
  }
  return Object.freeze(value);
}
