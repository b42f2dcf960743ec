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
  };
  model: {
    /** Directory holding `<name>/config.json`, `tokenizer.json`, `onnx/model*.onnx`. Default `./models`. */
    dir: string;
    name: string;
    dtype: 'fp32' | 'q8';
    /** ONNX Runtime intra-op threads. Default: the number of cores. */
    threads: number;
    maxTokens: number;
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
    },
    model: {
      dir: resolve(read.string('MODEL_DIR', './models')),
      name: read.string('MODEL_NAME', 'all-MiniLM-L6-v2'),
      dtype: read.oneOf('MODEL_DTYPE', ['fp32', 'q8'] as const, 'q8'),
      threads: read.int('MODEL_THREADS', cores, 1, 256),
      maxTokens: read.int('MODEL_MAX_TOKENS', 256, 8, 512),
      enabled: read.optional('MODEL') !== 'none',
    },
  };
  if (config.worker.concurrency < config.worker.batchSize) {
    throw new ConfigError('WORKER_CONCURRENCY', `(${config.worker.concurrency}) must be at least WORKER_BATCH_SIZE (${config.worker.batchSize})`);
  }
  if (config.intake.port !== 0 && config.intake.port === config.results.port) {
    throw new ConfigError('RESULTS_PORT', 'must differ from INTAKE_PORT');
  }
  return deepFreeze(config);
}

function defaultCores(): number {
  return Math.max(1, availableParallelism());
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

function deepFreeze<T extends object>(value: T): Readonly<T> {
  for (const child of Object.values(value)) {
    if (child && typeof child === 'object') deepFreeze(child as object);
  }
  return Object.freeze(value);
}
