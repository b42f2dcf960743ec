#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '@undertow/config';
import { createLogger } from '@undertow/runtime';
import { demoCommand } from './commands/demo.js';
import { JOBS_USAGE, jobsCommand } from './commands/jobs.js';
import { KEYS_USAGE, UsageError, keysCommand } from './commands/keys.js';
import { RESCAN_USAGE, rescanCommand } from './commands/rescan.js';
import { startCommand } from './commands/start.js';

const USAGE = `usage: undertow <command>

commands:
  start   run intake, worker and results in one process (PGlite + local Redis by default)
  demo    run a throwaway instance, stream the demo posts through it and print the flags
  keys    make, list and revoke API keys: undertow keys create --role reviewer --name alice
  rescan  re-score stored posts against the patterns, with a progress bar: undertow rescan --from 2016-10-01T00:00:00Z
  jobs    failed jobs, why they failed, and putting them back: undertow jobs failed; undertow jobs retry score

Configuration comes from environment variables; see the README.`;

async function main(argv: string[]): Promise<void> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, strict: false });
  const [command] = positionals;
  const argsAfter = (name: string) => argv.slice(argv.indexOf(name) + 1);
  const write = (text: string) => process.stdout.write(text);
  switch (command) {
    case 'start': {
      const config = loadConfig();
      await startCommand(config, createLogger('undertow', config.logLevel));
      return;
    }
    case 'demo':
      await demoCommand(process.env, createLogger('undertow-demo', process.env['LOG_LEVEL'] ?? 'warn'));
      return;
    case 'keys': {
      const config = loadConfig();
      await withUsage('keys', KEYS_USAGE, () => keysCommand(argsAfter('keys'), config, write));
      return;
    }
    case 'jobs': {
      const config = loadConfig();
      await withUsage('jobs', JOBS_USAGE, () => jobsCommand(argsAfter('jobs'), config, write));
      return;
    }
    case 'rescan': {
      const interrupted = new AbortController();
      process.once('SIGINT', () => interrupted.abort());
      await withUsage('rescan', RESCAN_USAGE, () => rescanCommand(argsAfter('rescan'), { env: process.env, out: process.stdout, signal: interrupted.signal }));
      return;
    }
    default:
      process.stdout.write(`${USAGE}\n`);
      if (command && command !== 'help') process.exitCode = 2;
  }
}

/** Runs a command for its exit code; a mistake on the command line prints the command's usage and exits 2. */
async function withUsage(name: string, usage: string, run: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await run();
  } catch (error) {
    if (!(error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))) throw error;
    process.stderr.write(`undertow ${name}: ${(error as Error).message}\n\n${usage}\n`);
    process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
  else process.stderr.write(`undertow: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
