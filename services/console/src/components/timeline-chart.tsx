import { ageClass, formatAge, formatClock, formatGap, formatTime } from '../format';
import type { Engagement, Story, TimelineEntry } from '../types';

const WIDTH = 1240;
const LABEL = 170;
const RIGHT = 24;
const LANE = 30;
const TOP = 30;
const AXIS = 34;
const BREAK = 64;

function traction(e: Engagement | null): string {
  if (!e) return 'no traction recorded';
  const parts = [
    e.score !== undefined ? `score ${e.score}` : null,
    e.comments !== undefined ? `${e.comments} comments` : null,
    e.shares !== undefined ? `${e.shares} shares` : null,
    e.views !== undefined ? `${e.views} views` : null,
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'no traction recorded';
}

function radius(e: Engagement | null): number {
  const reach = (e?.score ?? 0) + (e?.comments ?? 0) + (e?.shares ?? 0);
  return Math.min(14, 5 + 3 * Math.log10(1 + Math.max(0, reach)));
}

/**
 * Maps time to x, with the largest quiet gap cut short when it takes most of the span, so that
 * a relaunch hours after the first appearance still shows its minutes-apart burst.
 */
function timeScale(times: number[]) {
  const sorted = [...times].sort((a, b) => a - b);
  const start = sorted[0]!;
  const end = sorted.at(-1)!;
  const span = Math.max(end - start, 60_000);
  let gapAt = -1;
  let gap = 0;
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]! - sorted[i - 1]! > gap) {
      gap = sorted[i]! - sorted[i - 1]!;
      gapAt = i;
    }
  }
  const inner = WIDTH - LABEL - RIGHT - 20;
  if (gapAt > 0 && gap > span * 0.5) {
    const before = { from: start, to: sorted[gapAt - 1]! };
    const after = { from: sorted[gapAt]!, to: end };
    const kept = before.to - before.from + (after.to - after.from) || 1;
    const px = inner - BREAK;
    const beforePx = Math.max(40, ((before.to - before.from) / kept) * px);
    const afterPx = px - beforePx;
    const x = (t: number) =>
      t <= before.to
        ? LABEL + 10 + (before.to === before.from ? 0 : ((t - before.from) / (before.to - before.from)) * beforePx)
        : LABEL + 10 + beforePx + BREAK + (after.to === after.from ? afterPx / 2 : ((t - after.from) / (after.to - after.from)) * afterPx);
    return { x, cut: { x: LABEL + 10 + beforePx + BREAK / 2, gap }, ticks: [before.from, ...(before.to !== before.from ? [before.to] : []), after.from, ...(after.to !== after.from ? [after.to] : [])] };
  }
  const x = (t: number) => LABEL + 10 + ((t - start) / span) * inner;
  return { x, cut: null, ticks: [start, ...(end !== start ? [start + span / 2, end] : [])] };
}

/** One sentence a reviewer can read instead of the chart. */
export function storySummary(story: Story): string {
  const [first, ...rest] = story.timeline;
  if (!first) return 'This story has no posts yet.';
  const origin = `First appeared ${first.community ? `in ${first.community} ` : ''}at ${formatTime(first.createdAt)}${first.authorHandle ? ` by @${first.authorHandle}` : ''} (account ${formatAge(first.accountAgeDays)}), with ${traction(first.engagement)}.`;
  if (rest.length === 0) return origin;
  const communities = new Set(rest.map((p) => p.community ?? '—'));
  const authors = new Set(rest.map((p) => p.authorId));
  const start = Date.parse(rest[0]!.createdAt);
  const end = Date.parse(rest.at(-1)!.createdAt);
  const ages = rest.map((p) => p.accountAgeDays).filter((a): a is number => a !== null);
  const ageText = ages.length ? `; accounts ${formatAge(Math.min(...ages)).replace(' old', '')}–${formatAge(Math.max(...ages))}` : '';
  return `${origin} Then ${rest.length} more post${rest.length === 1 ? '' : 's'} in ${communities.size} communit${communities.size === 1 ? 'y' : 'ies'} by ${authors.size} account${authors.size === 1 ? '' : 's'}, starting ${formatGap(start - Date.parse(first.createdAt))} later${rest.length > 1 ? ` within ${formatGap(end - start)}` : ''}${ageText}.`;
}

/**
 * The story in time: one lane per community, one mark per post sized by its traction and
 * coloured by its account's age; the first appearance is marked, and so is this flag's post.
 */
export function TimelineChart({ story, currentPostId }: { story: Story; currentPostId: string | null }) {
  const posts = story.timeline;
  if (posts.length === 0) return <p class="muted">No posts in this story yet.</p>;
  const lanes: string[] = [];
  for (const p of posts) if (!lanes.includes(p.community ?? '—')) lanes.push(p.community ?? '—');
  const times = posts.map((p) => Date.parse(p.createdAt));
  const scale = timeScale(times);
  const height = TOP + lanes.length * LANE + AXIS;
  const laneY = (p: TimelineEntry) => TOP + lanes.indexOf(p.community ?? '—') * LANE + LANE / 2;
  const summary = storySummary(story);
  return (
    <figure class="timeline">
      <svg viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-labelledby="timeline-caption" class="timeline-svg" data-posts={posts.length}>
        {lanes.map((lane, i) => (
          <g key={lane} class="lane">
            <line x1={LABEL} x2={WIDTH - RIGHT} y1={TOP + i * LANE + LANE / 2} y2={TOP + i * LANE + LANE / 2} class="lane-line" />
            <text x={LABEL - 8} y={TOP + i * LANE + LANE / 2 + 4} text-anchor="end" class="lane-label">
              {lane.length > 22 ? `${lane.slice(0, 21)}…` : lane}
            </text>
          </g>
        ))}
        {scale.cut ? (
          <g class="cut">
            <rect x={scale.cut.x - BREAK / 2 + 6} y={TOP - 8} width={BREAK - 12} height={lanes.length * LANE + 8} class="cut-band" />
            <text x={scale.cut.x} y={TOP - 12} text-anchor="middle" class="cut-label">
              {formatGap(scale.cut.gap)} later
            </text>
          </g>
        ) : null}
        {scale.ticks.map((t, i) => (
          <text key={`${t}-${i}`} x={scale.x(t)} y={height - 10} text-anchor="middle" class="tick">
            {formatClock(new Date(t).toISOString())}
          </text>
        ))}
        {posts.map((p, i) => {
          const cx = scale.x(times[i]!);
          const cy = laneY(p);
          const r = radius(p.engagement);
          const origin = p.via === 'origin';
          const current = p.postId === currentPostId;
          const title = `${origin ? 'First appearance · ' : ''}${p.community ?? ''} ${formatTime(p.createdAt)} · ${p.authorHandle ? `@${p.authorHandle}` : p.authorId} (account ${formatAge(p.accountAgeDays)}) · ${traction(p.engagement)} · via ${p.via}`;
          return (
            <g key={p.postId} class={`mark ${ageClass(p.accountAgeDays)}${origin ? ' origin' : ''}${current ? ' current' : ''}`} data-post-id={p.postId}>
              <title>{title}</title>
              {origin ? <rect x={cx - r - 2} y={cy - r - 2} width={2 * r + 4} height={2 * r + 4} transform={`rotate(45 ${cx} ${cy})`} class="dot" /> : <circle cx={cx} cy={cy} r={r} class="dot" />}
              {current ? <circle cx={cx} cy={cy} r={r + 5} class="ring" /> : null}
              {origin ? (
                <text x={cx} y={cy - r - 7} text-anchor="middle" class="mark-label">
                  first · score {p.engagement?.score ?? 0}
                </text>
              ) : null}
            </g>
          );
        })}
      </svg>
      <figcaption id="timeline-caption">{summary}</figcaption>
      <ul class="legend" aria-label="Legend">
        <li><span class="swatch age-new" /> account under 7 days</li>
        <li><span class="swatch age-young" /> under 30 days</li>
        <li><span class="swatch age-old" /> older</li>
        <li><span class="swatch age-unknown" /> age unknown</li>
        <li><span class="swatch diamond" /> first appearance</li>
        <li><span class="swatch ring" /> this flag's post</li>
        <li>size: traction</li>
      </ul>
    </figure>
  );
}

/** The same posts as a table: exact times, handles and figures. */
export function TimelineTable({ story, currentPostId }: { story: Story; currentPostId: string | null }) {
  const first = story.timeline[0];
  return (
    <table class="timeline-table">
      <caption class="visually-hidden">Posts of story {story.id} in time order</caption>
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">Community</th>
          <th scope="col">Account</th>
          <th scope="col">Account age</th>
          <th scope="col">Traction</th>
          <th scope="col">Joined by</th>
          <th scope="col">Flags</th>
        </tr>
      </thead>
      <tbody>
        {story.timeline.map((p) => (
          <tr key={p.postId} class={p.postId === currentPostId ? 'current-row' : ''} aria-current={p.postId === currentPostId ? 'true' : undefined}>
            <td>
              <time dateTime={p.createdAt}>{formatTime(p.createdAt)}</time>
              {first && p !== first ? <span class="muted small"> +{formatGap(Date.parse(p.createdAt) - Date.parse(first.createdAt))}</span> : null}
            </td>
            <td>{p.community ?? '—'}</td>
            <td>{p.authorHandle ? `@${p.authorHandle}` : p.authorId}</td>
            <td>
              <span class={`age-badge ${ageClass(p.accountAgeDays)}`}>{formatAge(p.accountAgeDays)}</span>
            </td>
            <td>{traction(p.engagement)}</td>
            <td>{p.via === 'origin' ? 'first appearance' : p.via}</td>
            <td>
              {p.flagIds.map((id, i) => (
                <span key={id}>
                  {i > 0 ? ', ' : ''}
                  <a href={`#/flags/${id}`}>#{id}</a>
                </span>
              ))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
