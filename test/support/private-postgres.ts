import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './services.js';

const run = promisify(execFile);

/** Where the installed server's binaries are; `PG_BIN` points elsewhere. */
const PG_BIN = process.env['PG_BIN'] ?? '/usr/local/bin';

/**
 * A PostgreSQL cluster this test made itself with `initdb` and runs with `pg_ctl`, in a temp
 * dir, on 127.0.0.1 at a free port, trusting local connections. Stopping it, or crashing it,
 * touches no other server on the machine.
 */
export interface PrivatePostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`. */
  url: string;
  port: number;
  dir: string;
  /** Whether the postmaster is up. */
  running(): boolean;
  /** `pg_ctl stop -m immediate`: every backend dies at once, as in a crash. */
  kill(): Promise<void>;
  /** Starts again on the same data and port (crash recovery runs first when it was killed). */
  start(): Promise<void>;
  /** Stops the server and removes its data. */
  stop(): Promise<void>;
  /** The server's own log, for a failing test to print. */
  log(): string;
}

export interface PrivatePostgresOptions {
  /** Extra `-c name=value` settings. */
  settings?: Record<string, string>;
}

/**
 * `initdb` refuses to run as root, and the server refuses to start as root, so under root
 * (as CI runs) both run as an unprivileged account — `postgres` when the machine has one,
 * else `nobody` — that owns the temp dir.
 */
function serverAccount(): { user: string; uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const passwd = readFileSync('/etc/passwd', 'utf8').split('\n').map((line) => line.split(':'));
  for (const name of ['postgres', 'nobody']) {
    const entry = passwd.find((fields) => fields[0] === name);
    if (entry) return { user: name, uid: Number(entry[2]), gid: Number(entry[3]) };
  }
  throw new Error('running as root and no unprivileged account (postgres, nobody) to run PostgreSQL as');
}

export async function startPrivatePostgres(options: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
  const account = serverAccount();
  const dir = mkdtempSync(join(tmpdir(), 'undertow-pg-'));
  if (account) chownSync(dir, account.uid, account.gid);
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const port = await freePort();

  const asServer = (binary: string, args: string[]): [string, string[]] =>
    account ? ['runuser', ['-u', account.user, '--', join(PG_BIN, binary), ...args]] : [join(PG_BIN, binary), args];
  const pgCtl = async (args: string[]): Promise<void> => {
    const [file, argv] = asServer('pg_ctl', ['-D', data, ...args]);
    try {
      await run(file, argv, { timeout: 60_000 });
    } catch (error) {
      throw new Error(`pg_ctl ${args[0]} failed: ${(error as Error).message}\n${readLog()}`);
    }
  };
  const readLog = (): string => (existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-5000) : '');

  const [initFile, initArgs] = asServer('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale', 'C', '--no-sync']);
  await run(initFile, initArgs, { timeout: 60_000 });

  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    port: String(port),
    unix_socket_directories: dir,
    // A test server: a killed postmaster loses nothing the OS already holds, and syncing to
    // disk would only slow the tests.
    fsync: 'off',
    full_page_writes: 'off',
    ...options.settings,
  };
  const serverOptions = Object.entries(settings)
    .map(([name, value]) => `-c ${name}=${value}`)
    .join(' ');
  let up = false;
  const start = async (): Promise<void> => {
    await pgCtl(['start', '-w', '-t', '60', '-l', logFile, '-o', serverOptions]);
    up = true;
  };
  const stopNow = (mode: 'fast' | 'immediate'): void => {
    if (!up) return;
    const [file, argv] = asServer('pg_ctl', ['-D', data, 'stop', '-w', '-m', mode]);
    try {
      execFileSync(file, argv, { stdio: 'ignore', timeout: 60_000 });
    } catch {
      // already gone
    }
    up = false;
  };
  // A test that dies before its afterAll must not leave a server behind.
  const onExit = (): void => {
    stopNow('immediate');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);

  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    running: () => up,
    async kill() {
      if (!up) return;
      await pgCtl(['stop', '-w', '-m', 'immediate']);
      up = false;
    },
    start,
    async stop() {
      process.removeListener('exit', onExit);
      if (up) {
        await pgCtl(['stop', '-w', '-m', 'fast']);
        up = false;
      }
      rmSync(dir, { recursive: true, force: true });
    },
    log: readLog,
  };
}
