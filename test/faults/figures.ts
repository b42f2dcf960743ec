import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One fault run's outcome, as docs/reliability.md reports it. */
export interface FaultFigures {
  fault: string;
  sent: number;
  accepted: number;
  scored: number;
  lost: number;
  duplicateFlags: number;
  retries: Record<string, number>;
  [detail: string]: unknown;
}

/** Prints the figures and writes them to `$FAULTS_REPORT_DIR/<fault>.json` (default: a temp dir). */
export function recordFigures(figures: FaultFigures): void {
  const dir = process.env['FAULTS_REPORT_DIR'] ?? join(tmpdir(), 'undertow-faults');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${figures.fault}.json`), JSON.stringify(figures, null, 2) + '\n');
  console.log(`fault ${figures.fault}: ${JSON.stringify(figures)}`);
}
