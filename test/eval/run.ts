import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatRuns, iraEvaluation } from './ira.js';

/**
 * `npm run eval -- ira <data dir>`: the full IRA evaluation (exact and perturbed replays).
 * `npm run eval -- ci <data dir>`: a shorter replay with floors, for CI: fails if quality fell.
 */
const USAGE = 'usage: npm run eval -- <ira|ci> <data dir> [--days N]';

const FLOORS = { storyRecall: 0.95, storyPrecision: 0.9, burstRecall: 0.95 };

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { days: { type: 'string' } } });
  const [mode, dataDir] = positionals;
  if (!mode || !dataDir || !['ira', 'ci'].includes(mode)) throw new Error(USAGE);
  if (!existsSync(join(dataDir, 'ira-2016-10', 'tweets.csv'))) throw new Error(`no ira-2016-10/tweets.csv under ${dataDir}`);
  const days = values.days ? Number(values.days) : mode === 'ci' ? 4 : undefined;
  const runs = await iraEvaluation(dataDir, { days, perturbed: mode === 'ira' });
  process.stdout.write(`\n${formatRuns(runs)}\n`);
  if (mode === 'ci') {
    const exact = runs[0]!;
    const failures = [
      exact.stories.recall < FLOORS.storyRecall && `story recall ${exact.stories.recall.toFixed(3)} < ${FLOORS.storyRecall}`,
      exact.stories.precisionNearDuplicateCounted < FLOORS.storyPrecision &&
        `story precision (same text and headline counted) ${exact.stories.precisionNearDuplicateCounted.toFixed(3)} < ${FLOORS.storyPrecision}`,
      exact.bursts.recall < FLOORS.burstRecall && `burst recall ${exact.bursts.recall.toFixed(3)} < ${FLOORS.burstRecall}`,
    ].filter(Boolean);
    if (failures.length > 0) throw new Error(`quality gate failed: ${failures.join('; ')}`);
    process.stdout.write('quality gate passed\n');
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
