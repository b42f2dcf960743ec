import type { Logger } from 'pino';

export interface StopOptions {
  /** Logged when the signal arrives: what stopping does. */
  stopping: string;
  /** Stops taking work, finishes what is in hand, closes connections. */
  stop: () => Promise<void>;
  /** Logged when `stop` has not finished by the deadline: what happens to the work left. */
  overdue: string;
  /**
   * Longest a stop may take. With Redis or the database out of reach the work in hand can
   * never finish, and waiting on it would keep a stopped process alive indefinitely.
   */
  deadlineMs?: number;
}

/**
 * Waits for SIGTERM or SIGINT, then stops. Resolves with the exit code: 0 when `stop`
 * finished, 1 when it threw. Past the deadline the process exits 1 without waiting further.
 */
export function stopOnSignal(log: Logger, options: StopOptions): Promise<number> {
  const { stopping, stop, overdue, deadlineMs = 30_000 } = options;
  return new Promise((resolve) => {
    let stopped = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopped) return;
      stopped = true;
      log.info({ signal }, `stopping: ${stopping}`);
      setTimeout(() => {
        log.error({ deadlineMs }, `did not stop in time: ${overdue}`);
        process.exit(1);
      }, deadlineMs).unref();
      stop().then(
        () => resolve(0),
        (error: unknown) => {
          log.error({ err: error }, 'unclean shutdown');
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
}
