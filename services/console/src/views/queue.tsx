import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, query } from '../api';
import { useConsole } from '../context';
import { formatScore, formatTime, statusLabel } from '../format';
import { useShortcuts } from '../keyboard';
import { navigate, type Route } from '../router';
import type { BulkResult, Decision, FlagListItem, FlagPage } from '../types';
import { BulkDialog, type BulkTarget } from './bulk-dialog';

const STATUS_CHOICES: [string, string][] = [
  ['open,in_review', 'Waiting (open and in review)'],
  ['open', 'Open'],
  ['in_review', 'In review'],
  ['escalated', 'Escalated'],
  ['confirmed', 'Confirmed'],
  ['dismissed', 'Dismissed'],
  ['', 'Any status'],
];

interface Filters {
  status: string;
  patternId: string;
  tier: string;
  minScore: string;
  source: string;
  community: string;
  sort: string;
  mine: string;
}

function filtersOf(params: URLSearchParams): Filters {
  return {
    status: params.get('status') ?? 'open,in_review',
    patternId: params.get('patternId') ?? '',
    tier: params.get('tier') ?? '',
    minScore: params.get('minScore') ?? '',
    source: params.get('source') ?? '',
    community: params.get('community') ?? '',
    sort: params.get('sort') ?? 'score',
    mine: params.get('mine') ?? '',
  };
}

interface Group {
  storyId: string | null;
  items: FlagListItem[];
}

/** Flags of one story together, in the order the first of them comes in the queue. */
function groupByStory(items: readonly FlagListItem[]): Group[] {
  const groups: Group[] = [];
  const byStory = new Map<string, Group>();
  for (const item of items) {
    if (item.storyId === null) {
      groups.push({ storyId: null, items: [item] });
      continue;
    }
    let group = byStory.get(item.storyId);
    if (!group) {
      group = { storyId: item.storyId, items: [] };
      byStory.set(item.storyId, group);
      groups.push(group);
    }
    group.items.push(item);
  }
  return groups;
}

function excerpt(text: string, max = 140): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** The flagged queue: filters, sort, story groups, keyboard moves and bulk decisions. */
export function QueueView({ route }: { route: Route }) {
  const { me, patterns, notify, queueOrder } = useConsole();
  const filters = useMemo(() => filtersOf(route.params), [route.params.toString()]);
  const [items, setItems] = useState<FlagListItem[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [active, setActive] = useState(0);
  const [bulk, setBulk] = useState<BulkTarget | null>(null);
  const [reloads, setReloads] = useState(0);
  const rowLinks = useRef<Map<string, HTMLAnchorElement>>(new Map());

  const listQuery = (after?: string | null) =>
    query({
      status: filters.status,
      patternId: filters.patternId,
      tier: filters.tier,
      minScore: filters.minScore,
      source: filters.source,
      community: filters.community,
      sort: filters.sort,
      assignedTo: filters.mine ? me.name : '',
      limit: 100,
      cursor: after ?? undefined,
    });

  useEffect(() => {
    let cancelled = false;
    setLoading(true);
    api<FlagPage>('GET', `/v1/flags${listQuery()}`)
      .then((page) => {
        if (cancelled) return;
        setItems(page.items);
        setCursor(page.nextCursor);
        setError(null);
        setSelected(new Set());
        setActive((a) => Math.min(a, Math.max(0, page.items.length - 1)));
      })
      .catch((caught: Error) => !cancelled && setError(caught.message))
      .finally(() => !cancelled && setLoading(false));
    return () => {
      cancelled = true;
    };
  }, [route.params.toString(), reloads]);

  const groups = useMemo(() => groupByStory(items), [items]);
  // Keyboard order is display order: story groups pull their flags together.
  const ordered = useMemo(() => groups.flatMap((g) => g.items), [groups]);
  queueOrder.ids = ordered.map((f) => f.id);
  queueOrder.back = location.hash || '#/queue';

  async function loadMore() {
    if (!cursor) return;
    const page = await api<FlagPage>('GET', `/v1/flags${listQuery(cursor)}`);
    setItems((current) => [...current, ...page.items]);
    setCursor(page.nextCursor);
  }

  function setFilter(name: keyof Filters, value: string) {
    const next = { ...filters, [name]: value };
    navigate('/queue', next as unknown as Record<string, string>);
  }

  function move(by: number) {
    if (ordered.length === 0) return;
    const next = Math.max(0, Math.min(ordered.length - 1, active + by));
    setActive(next);
    rowLinks.current.get(ordered[next]!.id)?.focus();
  }

  function toggle(id: string) {
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }

  async function decideSelected(decision: Decision, note: string) {
    const result = await api<BulkResult>('POST', '/v1/flags/decisions', { decision, ids: [...selected], ...(note ? { note } : {}), filter: { status: 'open,in_review,escalated' } });
    report(result, decision);
    setReloads((n) => n + 1);
  }

  function report(result: BulkResult, decision: Decision) {
    const verb = { confirm: 'Confirmed', dismiss: 'Dismissed', escalate: 'Escalated' }[decision];
    const skipped = result.skipped.length ? `; ${result.skipped.length} skipped (held by ${[...new Set(result.skipped.map((s) => s.claimedBy))].join(', ')})` : '';
    notify(`${verb} ${result.decided.length} flag${result.decided.length === 1 ? '' : 's'}${skipped}.`);
  }

  useShortcuts(
    {
      j: () => move(1),
      ArrowDown: () => move(1),
      k: () => move(-1),
      ArrowUp: () => move(-1),
      Enter: () => ordered[active] && navigate(`/flags/${ordered[active]!.id}`),
      o: () => ordered[active] && navigate(`/flags/${ordered[active]!.id}`),
      x: () => ordered[active] && toggle(ordered[active]!.id),
      r: () => setReloads((n) => n + 1),
      '/': () => document.getElementById('filter-status')?.focus(),
    },
    bulk === null,
  );

  const patternOptions = [...patterns.values()];
  return (
    <main id="main" class="queue">
      <div class="view-head">
        <h1>Flagged queue</h1>
        <button type="button" class="secondary" onClick={() => setReloads((n) => n + 1)}>
          Refresh <kbd>r</kbd>
        </button>
      </div>
      <form class="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status
          <select id="filter-status" value={filters.status} onChange={(e) => setFilter('status', (e.target as HTMLSelectElement).value)}>
            {STATUS_CHOICES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Pattern
          <select value={filters.patternId} onChange={(e) => setFilter('patternId', (e.target as HTMLSelectElement).value)}>
            <option value="">All patterns</option>
            {patternOptions.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Tier
          <select value={filters.tier} onChange={(e) => setFilter('tier', (e.target as HTMLSelectElement).value)}>
            <option value="">Both tiers</option>
            <option value="priority">Priority</option>
            <option value="review">Review</option>
          </select>
        </label>
        <label>
          Min score
          <input type="number" min={0} max={1} step={0.05} value={filters.minScore} onChange={(e) => setFilter('minScore', (e.target as HTMLInputElement).value)} />
        </label>
        <label>
          Source
          <input type="text" value={filters.source} placeholder="any" onChange={(e) => setFilter('source', (e.target as HTMLInputElement).value.trim())} />
        </label>
        <label>
          Community
          <input type="text" value={filters.community} placeholder="any" onChange={(e) => setFilter('community', (e.target as HTMLInputElement).value.trim())} />
        </label>
        <label>
          Sort
          <select value={filters.sort} onChange={(e) => setFilter('sort', (e.target as HTMLSelectElement).value)}>
            <option value="score">Highest score</option>
            <option value="time">Newest post</option>
          </select>
        </label>
        <label class="check">
          <input type="checkbox" checked={filters.mine === '1'} onChange={(e) => setFilter('mine', (e.target as HTMLInputElement).checked ? '1' : '')} />
          Assigned to me
        </label>
      </form>

      {selected.size > 0 ? <BulkBar count={selected.size} onDecide={decideSelected} onClear={() => setSelected(new Set())} /> : null}

      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      <p class="muted small" aria-live="polite">
        {loading ? 'Loading…' : `${items.length}${cursor ? '+' : ''} flag${items.length === 1 ? '' : 's'} · ${groups.filter((g) => g.storyId && g.items.length > 1).length} stories with several flags`}
        {' · '}
        <kbd>j</kbd>/<kbd>k</kbd> move, <kbd>Enter</kbd> open, <kbd>x</kbd> select, <kbd>?</kbd> all shortcuts
      </p>

      <table class="flags">
        <thead>
          <tr>
            <th scope="col" class="narrow">
              <span class="visually-hidden">Select</span>
            </th>
            <th scope="col">Tier</th>
            <th scope="col">Score</th>
            <th scope="col">Pattern</th>
            <th scope="col">Post</th>
            <th scope="col">Posted</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        {groups.map((group) => (
          <tbody key={group.storyId ?? `single-${group.items[0]!.id}`} class={group.storyId && group.items.length > 1 ? 'story-group' : ''}>
            {group.storyId ? (
              <tr class="story-head">
                <th colSpan={7} scope="rowgroup">
                  <span>
                    Story #{group.storyId} · {group.items.length} flag{group.items.length === 1 ? '' : 's'} listed
                  </span>
                  <button type="button" class="link" onClick={() => setBulk({ storyId: group.storyId!, label: `story #${group.storyId}` })}>
                    Decide the whole story…
                  </button>
                </th>
              </tr>
            ) : null}
            {group.items.map((flag) => {
              const index = ordered.indexOf(flag);
              const pattern = patterns.get(flag.patternId);
              const claimLive = flag.claimedBy && flag.claimExpiresAt && Date.parse(flag.claimExpiresAt) > Date.now();
              return (
                <tr key={flag.id} class={`${index === active ? 'active' : ''} ${selected.has(flag.id) ? 'selected' : ''}`} onClick={() => setActive(index)}>
                  <td class="narrow">
                    <input type="checkbox" aria-label={`Select flag ${flag.id}`} checked={selected.has(flag.id)} onChange={() => toggle(flag.id)} />
                  </td>
                  <td>
                    <span class={`tier tier-${flag.tier}`}>{flag.tier}</span>
                  </td>
                  <td class="num">{formatScore(flag.score)}</td>
                  <td>{pattern?.name ?? flag.patternId}</td>
                  <td class="post-cell">
                    <a
                      href={`#/flags/${flag.id}`}
                      ref={(el) => {
                        if (el) rowLinks.current.set(flag.id, el);
                        else rowLinks.current.delete(flag.id);
                      }}
                      onFocus={() => setActive(index)}
                    >
                      {excerpt(flag.post.text)}
                    </a>
                    <span class="muted small">
                      {' '}
                      {flag.post.source}
                      {flag.post.community ? ` · ${flag.post.community}` : ''} · {flag.post.externalId}
                    </span>
                  </td>
                  <td class="small">{formatTime(flag.post.createdAt)}</td>
                  <td class="small">
                    <span class={`status status-${flag.status}`}>{statusLabel(flag.status)}</span>
                    {claimLive ? <span class="claim"> · held by {flag.claimedBy === me.name ? 'you' : flag.claimedBy}</span> : null}
                    {flag.assignedTo ? <span class="muted"> · for {flag.assignedTo === me.name ? 'you' : flag.assignedTo}</span> : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        ))}
      </table>
      {!loading && items.length === 0 ? <p class="empty">Nothing in the queue for these filters.</p> : null}
      {cursor ? (
        <button type="button" class="secondary" onClick={() => void loadMore()}>
          Load more
        </button>
      ) : null}
      {bulk ? (
        <BulkDialog
          target={bulk}
          onClose={(result, decision) => {
            setBulk(null);
            if (result && decision) {
              report(result, decision);
              setReloads((n) => n + 1);
            }
          }}
        />
      ) : null}
    </main>
  );
}

function BulkBar({ count, onDecide, onClear }: { count: number; onDecide: (decision: Decision, note: string) => Promise<void>; onClear: () => void }) {
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const { notify } = useConsole();
  const run = (decision: Decision) => {
    setBusy(true);
    onDecide(decision, note)
      .catch((error: Error) => notify(error.message, 'error'))
      .finally(() => setBusy(false));
  };
  return (
    <section class="bulk-bar" aria-label="Bulk decision">
      <strong>{count} selected</strong>
      <label>
        Note
        <input type="text" value={note} maxLength={10_000} onInput={(e) => setNote((e.target as HTMLInputElement).value)} placeholder="why (optional)" />
      </label>
      <button type="button" disabled={busy} class="confirm" onClick={() => run('confirm')}>
        Confirm selected
      </button>
      <button type="button" disabled={busy} class="dismiss" onClick={() => run('dismiss')}>
        Dismiss selected
      </button>
      <button type="button" disabled={busy} class="escalate" onClick={() => run('escalate')}>
        Escalate selected
      </button>
      <button type="button" class="link" onClick={onClear}>
        Clear
      </button>
    </section>
  );
}
