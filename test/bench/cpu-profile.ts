/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): self time per function and per
 * component (ONNX Runtime, tokenizer, BullMQ, Redis client, PostgreSQL client, Undertow's own
 * code, Node internals, garbage collection, idle).
 *
 *   tsx test/bench/cpu-profile.ts <file.cpuprofile> [--top 15]
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Wall time the summary covers, ms. */
  totalMs: number;
  /** Whether only a window of the profile was summarised (the timed run), or all of it. */
  windowed: boolean;
  /** Self time per component, ms, largest first. */
  components: { component: string; ms: number; share: number }[];
  /** Self time per function, ms, largest first. */
  frames: { frame: string; component: string; ms: number; share: number }[];
}

/** Which part of the worker a frame belongs to, from its script URL. */
export function componentOf(frame: ProfileNode['callFrame']): string {
  const { functionName, url } = frame;
  if (functionName === '(idle)') return 'idle (waiting for I/O)';
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (functionName === '(program)') return 'V8 / native (program)';
  if (url.includes('onnxruntime')) return 'ONNX Runtime (model run)';
  if (url.includes('@huggingface/transformers')) return 'transformers.js (tokenizer, tensors)';
  if (url.includes('/bullmq/')) return 'BullMQ';
  if (url.includes('/ioredis/') || url.includes('/redis-parser/') || url.includes('/msgpackr/')) return 'Redis client';
  if (url.includes('/pg/') || url.includes('/pg-protocol/') || url.includes('/pg-types/') || url.includes('/pglite/')) return 'PostgreSQL client';
  if (url.includes('/pino')) return 'logging';
  if (url.includes('/packages/embed/')) return 'Undertow: embed provider (pooling)';
  if (url.includes('/packages/detect/')) return 'Undertow: detection (MinHash, matching)';
  if (url.includes('/packages/store/')) return 'Undertow: store';
  if (url.includes('/services/worker/')) return 'Undertow: worker';
  if (url.includes('/packages/')) return 'Undertow: other packages';
  if (url.startsWith('node:') || url === '') return 'Node internals';
  return 'other';
}

/**
 * `window` (µs on the monotonic clock V8 stamps profiles with, as `process.hrtime` reads it)
 * keeps only the samples taken in it, e.g. the timed run without start-up and warm-up; a window
 * outside the profile is ignored.
 */
export function summarizeProfile(profile: CpuProfile, top = 15, window?: { startUs: number; endUs: number }): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const windowed = window !== undefined && window.startUs >= profile.startTime && window.endUs <= profile.endTime && window.endUs > window.startUs;
  const from = windowed ? window.startUs : profile.startTime;
  const to = windowed ? window.endUs : profile.endTime;
  const selfUs = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at >= from && at <= to) selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  });
  const totalUs = Math.max(1, to - from);
  const components = new Map<string, number>();
  const frames = new Map<string, { component: string; us: number }>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    const component = componentOf(frame);
    components.set(component, (components.get(component) ?? 0) + us);
    const file = frame.url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '').replace(/^.*\/(packages|services)\//, '$1/');
    const key = `${frame.functionName || '(anonymous)'} ${file ? `${file}:${frame.lineNumber + 1}` : ''}`.trim();
    const entry = frames.get(key) ?? { component, us: 0 };
    entry.us += us;
    frames.set(key, entry);
  }
  const ms = (us: number) => Math.round(us / 100) / 10;
  const share = (us: number) => Math.round((us / totalUs) * 1000) / 10;
  return {
    totalMs: ms(totalUs),
    windowed,
    components: [...components].sort((a, b) => b[1] - a[1]).map(([component, us]) => ({ component, ms: ms(us), share: share(us) })),
    frames: [...frames]
      .sort((a, b) => b[1].us - a[1].us)
      .slice(0, top)
      .map(([frame, { component, us }]) => ({ frame, component, ms: ms(us), share: share(us) })),
  };
}

export async function summarizeProfileFile(path: string, top = 15, window?: { startUs: number; endUs: number }): Promise<ProfileSummary> {
  return summarizeProfile(JSON.parse(await readFile(path, 'utf8')) as CpuProfile, top, window);
}

export function formatProfile(summary: ProfileSummary, thread = "the worker's main thread"): string {
  const lines = [
    `${(summary.totalMs / 1000).toFixed(1)} s of ${thread} (${summary.windowed ? 'the timed run only' : 'the whole process, start-up included'}); self time:`,
    '', '| component | self time | share |', '|---|---:|---:|'];
  for (const c of summary.components) lines.push(`| ${c.component} | ${(c.ms / 1000).toFixed(2)} s | ${c.share}% |`);
  lines.push('', '| function | component | self time | share |', '|---|---|---:|---:|');
  for (const f of summary.frames) lines.push(`| \`${f.frame}\` | ${f.component} | ${(f.ms / 1000).toFixed(2)} s | ${f.share}% |`);
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '15' } } });
  if (positionals.length !== 1) {
    console.error('usage: tsx test/bench/cpu-profile.ts <file.cpuprofile> [--top N]');
    process.exit(2);
  }
  console.log(formatProfile(await summarizeProfileFile(positionals[0]!, Number(values.top))));
}
