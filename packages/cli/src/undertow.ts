#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { ConfigError, loadConfig } from '@undertow/config';
import { demoCommand } from './commands/demo.js';
import { startCommand } from './commands/start.js';

const USAGE = `usage: undertow <command>

commands:
  start   run intake, worker and results in one process (PGlite + local Redis by default)
  demo    run a throwaway instance, stream the demo posts through it and print the flags

Configuration comes from environment variables; see the README.`;

async function main(argv: string[]): Promise<void> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, strict: false });
  const [command] = positionals;
  switch (command) {
    case 'start': {
      const config = loadConfig();
      await startCommand(config, pino({ level: config.logLevel, name: 'undertow' }));
      return;
    }
    case 'demo':
      await demoCommand(process.env, pino({ level: process.env['LOG_LEVEL'] ?? 'warn', name: 'undertow-demo' }));
      return;
    default:
      process.stdout.write(`${USAGE}\n`);
      if (command && command !== 'help') process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
  else process.stderr.write(`undertow: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
