import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import cliProgress from 'cli-progress';
import { isDateTime, type Rescan } from '@undertow/core';
import { ApiClient } from '../api-client.js';
import { UsageError } from './keys.js';

export const RESCAN_USAGE = `usage: undertow rescan [--patterns <id,id,…>] [--from <time>] [--to <time>] [--reason <text>]
                      [--url <results URL>] [--key <API key>] [--attach <rescan id>]

  Re-scores the stored posts whose own createdAt is in [--from, --to) (default: all of them)
  against the patterns named (default: every active one), and shows its progress until it ends.
  Ctrl-C cancels the rescan. Exits 0 when it completes, 1 when it is cancelled or fails.

  --url     the results API (default: $UNDERTOW_RESULTS_URL, else http://127.0.0.1:$RESULTS_PORT, port 8081)
  --key     an admin API key (default: $UNDERTOW_API_KEY)
  --attach  follow a rescan already started instead of starting one`;

export interface RescanCommandOptions {
  env: Record<string, string | undefined>;
  /** Where the progress bar and the summary go. */
  out: NodeJS.WritableStream;
  /** How often progress is asked for. Default 500 ms. */
  pollMs?: number;
  /** Aborting cancels the rescan (the CLI wires Ctrl-C to it). */
  signal?: AbortSignal;
}

const ENDED = new Set(['completed', 'cancelled', 'failed']);

/** `undertow rescan …`: answers the exit code. */
export async function rescanCommand(argv: string[], opts: RescanCommandOptions): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      patterns: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      reason: { type: 'string' },
      url: { type: 'string' },
      key: { type: 'string' },
      attach: { type: 'string' },
    },
  });
  for (const name of ['from', 'to'] as const) {
    const value = values[name];
    if (value !== undefined && !isDateTime(value)) throw new UsageError(`--${name} must be an ISO 8601 time with a zone, e.g. 2016-10-21T00:00:00Z (got "${value}")`);
  }
  if (values.attach !== undefined && !/^[0-9]{1,18}$/.test(values.attach)) throw new UsageError('--attach needs the id of a rescan');
  const patternIds = values.patterns?.split(',').map((id) => id.trim()).filter((id) => id.length > 0);
  if (values.patterns !== undefined && patternIds!.length === 0) throw new UsageError('--patterns needs at least one pattern id');

  const base = values.url ?? opts.env['UNDERTOW_RESULTS_URL'] ?? `http://127.0.0.1:${opts.env['RESULTS_PORT'] ?? '8081'}`;
  const key = values.key ?? opts.env['UNDERTOW_API_KEY'];
  const api = new ApiClient(base, key ? { 'x-api-key': key } : {});
  const print = (line: string) => opts.out.write(`${line}\n`);

  let rescan: Rescan;
  if (values.attach !== undefined) {
    rescan = await api.expect<Rescan>('GET', `/v1/rescans/${values.attach}`, undefined, [200]);
  } else {
    rescan = await api.expect<Rescan>(
      'POST',
      '/v1/rescans',
      {
        ...(patternIds ? { patternIds } : {}),
        ...(values.from ? { from: values.from } : {}),
        ...(values.to ? { to: values.to } : {}),
        reason: values.reason ?? 'started from the command line',
      },
      [202],
    );
    print(`rescan ${rescan.id} started: ${rescan.total} posts against ${rescan.patterns.length} pattern(s)`);
  }

  const bar = new cliProgress.SingleBar(
    {
      format: 'rescan {id} [{bar}] {percentage}% | {value}/{total} posts | {rate} posts/s | ETA {serverEta} | newly flagged {newly} | no longer {gone}',
      stream: opts.out,
      noTTYOutput: true,
      notTTYSchedule: 2000,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const payload = (r: Rescan) => ({
    id: r.id,
    rate: r.rate === null ? '–' : Math.round(r.rate).toLocaleString('en'),
    serverEta: r.etaSeconds === null ? '–' : `${r.etaSeconds}s`,
    newly: r.newlyFlagged,
    gone: r.noLongerFlagged,
  });
  bar.start(Math.max(rescan.total, 1), rescan.done, payload(rescan));
  let cancelling = false;
  const cancel = () => {
    if (cancelling || ENDED.has(rescan.state)) return;
    cancelling = true;
    void api.request('DELETE', `/v1/rescans/${rescan.id}`).catch(() => undefined);
  };
  opts.signal?.addEventListener('abort', cancel, { once: true });
  try {
    while (!ENDED.has(rescan.state)) {
      await sleep(opts.pollMs ?? 500);
      rescan = await api.expect<Rescan>('GET', `/v1/rescans/${rescan.id}`, undefined, [200]);
      bar.setTotal(Math.max(rescan.total, 1));
      bar.update(rescan.done, payload(rescan));
    }
  } finally {
    bar.stop();
    opts.signal?.removeEventListener('abort', cancel);
  }
  const seconds = rescan.startedAt && rescan.finishedAt ? (Date.parse(rescan.finishedAt) - Date.parse(rescan.startedAt)) / 1000 : null;
  print(
    `rescan ${rescan.id} ${rescan.state}: ${rescan.done} of ${rescan.total} posts checked` +
      (seconds !== null ? ` in ${seconds.toFixed(1)} s` : '') +
      (rescan.rate !== null ? ` (${Math.round(rescan.rate).toLocaleString('en')} posts/s)` : '') +
      `; newly flagged ${rescan.newlyFlagged}, no longer flagged ${rescan.noLongerFlagged}, scores changed ${rescan.rescored}` +
      (rescan.error ? `; ${rescan.error}` : ''),
  );
  return rescan.state === 'completed' ? 0 : 1;
}
