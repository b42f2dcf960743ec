import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api } from '../api';
import { HighlightedText, coverage } from '../components/highlighted-text';
import { EventList } from '../components/event-list';
import { SignalTable } from '../components/signal-table';
import { TimelineChart, TimelineTable } from '../components/timeline-chart';
import { useConsole } from '../context';
import { formatClock, formatPercent, formatScore, formatTime, statusLabel } from '../format';
import { useShortcuts } from '../keyboard';
import { navigate } from '../router';
import type { Decision, FlagDetail, FlagEvent, FlagRecord, Story } from '../types';

const DECIDED = new Set(['confirmed', 'dismissed']);
const VERB: Record<Decision, string> = { confirm: 'Confirmed', dismiss: 'Dismissed', escalate: 'Escalated' };

type ClaimState = { kind: 'mine'; until: string } | { kind: 'other'; by: string; until: string | null } | { kind: 'none' };

function claimState(flag: FlagRecord, me: string): ClaimState {
  if (!flag.claimedBy || !flag.claimExpiresAt || Date.parse(flag.claimExpiresAt) <= Date.now()) return { kind: 'none' };
  return flag.claimedBy === me ? { kind: 'mine', until: flag.claimExpiresAt } : { kind: 'other', by: flag.claimedBy, until: flag.claimExpiresAt };
}

/**
 * One flag and why it was raised: the post beside the matched passage with the shared spans
 * marked, the similarity values, the story's timeline and the event log. Opening a waiting flag
 * claims it, so that two reviewers do not work on it at once; c, d and e decide it.
 */
export function FlagDetailView({ id }: { id: string }) {
  const { me, notify, queueOrder } = useConsole();
  const [flag, setFlag] = useState<FlagDetail | null>(null);
  const [events, setEvents] = useState<FlagEvent[]>([]);
  const [story, setStory] = useState<Story | null>(null);
  const [storyError, setStoryError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const [assignee, setAssignee] = useState('');
  const [busy, setBusy] = useState(false);
  const noteField = useRef<HTMLTextAreaElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  async function refresh(): Promise<FlagDetail> {
    const [detail, log] = await Promise.all([api<FlagDetail>('GET', `/v1/flags/${id}`), api<{ items: FlagEvent[] }>('GET', `/v1/flags/${id}/events`)]);
    setFlag(detail);
    setEvents(log.items);
    return detail;
  }

  useEffect(() => {
    let cancelled = false;
    setFlag(null);
    setStory(null);
    setStoryError(null);
    setError(null);
    setNote('');
    setAssignee('');
    (async () => {
      const detail = await refresh();
      if (cancelled) return;
      heading.current?.focus();
      if (detail.storyId) {
        api<Story>('GET', `/v1/stories/${detail.storyId}`)
          .then((s) => !cancelled && setStory(s))
          .catch((caught: Error) => !cancelled && setStoryError(caught.message));
      }
      const claim = claimState(detail, me.name);
      if (!DECIDED.has(detail.status) && claim.kind !== 'other') {
        try {
          await api('POST', `/v1/flags/${id}/claim`, {});
          if (!cancelled) await refresh();
        } catch (caught) {
          if (!cancelled && caught instanceof ApiError && caught.status === 409) await refresh();
          else if (!cancelled) notify((caught as Error).message, 'error');
        }
      }
    })().catch((caught: Error) => !cancelled && setError(caught.message));
    return () => {
      cancelled = true;
    };
  }, [id]);

  const claim = flag ? claimState(flag, me.name) : ({ kind: 'none' } as ClaimState);
  const readOnly = claim.kind === 'other' && me.role !== 'admin';

  async function act(label: string, run: () => Promise<unknown>) {
    if (busy) return;
    setBusy(true);
    try {
      await run();
      await refresh();
      notify(label);
    } catch (caught) {
      notify((caught as Error).message, 'error');
      await refresh().catch(() => undefined);
    } finally {
      setBusy(false);
    }
  }

  const decide = (decision: Decision) => {
    if (!flag || readOnly) return;
    void act(`${VERB[decision]} flag #${id}.`, async () => {
      await api('POST', `/v1/flags/${id}/decision`, { decision, ...(note.trim() ? { note: note.trim() } : {}) });
      setNote('');
    });
  };

  const step = (by: number) => {
    const ids = queueOrder.ids;
    const at = ids.indexOf(id);
    const next = ids[at === -1 ? 0 : at + by];
    if (next) navigate(`/flags/${next}`);
    else notify(by > 0 ? 'That was the last flag of the queue as listed.' : 'This is the first flag of the queue as listed.');
  };

  const back = () => {
    location.hash = queueOrder.back || '#/queue';
  };

  useShortcuts({
    c: () => decide('confirm'),
    d: () => decide('dismiss'),
    e: () => decide('escalate'),
    r: () => claim.kind === 'mine' && void act(`Released flag #${id}.`, () => api('POST', `/v1/flags/${id}/release`)),
    a: () => void act(`Assigned flag #${id} to you.`, () => api('POST', `/v1/flags/${id}/assign`, { assignee: me.name })),
    n: () => noteField.current?.focus(),
    j: () => step(1),
    k: () => step(-1),
    u: back,
    Escape: back,
  });

  if (error) {
    return (
      <main id="main">
        <p class="error" role="alert">
          {error}
        </p>
        <a href="#/queue">Back to the queue</a>
      </main>
    );
  }
  if (!flag) {
    return (
      <main id="main">
        <p aria-live="polite">Loading flag #{id}…</p>
      </main>
    );
  }

  const post = flag.post;
  const match = flag.match;
  const similarity = flag.signals.filter((s) => ['semantic-match', 'near-duplicate', 'url-match'].includes(s.name));
  return (
    <main id="main" class="flag-detail">
      <div class="view-head">
        <div>
          <a href={queueOrder.back || '#/queue'} class="small">
            ← Queue <kbd>u</kbd>
          </a>
          <h1 tabIndex={-1} ref={heading}>
            Flag #{flag.id} <span class={`tier tier-${flag.tier}`}>{flag.tier}</span> <span class="score">{formatScore(flag.score)}</span>
          </h1>
          <p class="subtitle">
            {flag.pattern ? (
              <>
                {flag.pattern.name} <span class="muted">v{flag.patternVersion} · {flag.pattern.kind}{flag.pattern.tags.length ? ` · ${flag.pattern.tags.join(', ')}` : ''}</span>
              </>
            ) : (
              flag.patternId
            )}
            {' · '}
            <span class={`status status-${flag.status}`} data-testid="flag-status">
              {statusLabel(flag.status)}
            </span>
            {claim.kind === 'mine' ? <span class="claim"> · held by you until {formatClock(claim.until)}</span> : null}
            {claim.kind === 'other' ? <span class="claim other"> · held by {claim.by} until {claim.until ? formatClock(claim.until) : '—'}</span> : null}
            {flag.assignedTo ? <span class="muted"> · assigned to {flag.assignedTo === me.name ? 'you' : flag.assignedTo}</span> : null}
          </p>
        </div>
      </div>

      {readOnly ? (
        <p class="banner" role="status">
          {claim.kind === 'other' ? `${claim.by} is reviewing this flag; you can read it but not decide it until they release it or their claim runs out.` : ''}
        </p>
      ) : null}

      <section class="decide" aria-label="Decision">
        <label for="note">
          Note <kbd>n</kbd>
        </label>
        <textarea id="note" ref={noteField} rows={2} maxLength={10_000} value={note} onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)} placeholder="Why: what matches, who pushes it" disabled={readOnly} />
        <div class="actions">
          <button type="button" class="confirm" disabled={busy || readOnly} onClick={() => decide('confirm')}>
            Confirm <kbd>c</kbd>
          </button>
          <button type="button" class="dismiss" disabled={busy || readOnly} onClick={() => decide('dismiss')}>
            Dismiss <kbd>d</kbd>
          </button>
          <button type="button" class="escalate" disabled={busy || readOnly} onClick={() => decide('escalate')}>
            Escalate <kbd>e</kbd>
          </button>
          {claim.kind === 'mine' ? (
            <button type="button" class="secondary" disabled={busy} onClick={() => void act(`Released flag #${id}.`, () => api('POST', `/v1/flags/${id}/release`))}>
              Release <kbd>r</kbd>
            </button>
          ) : null}
          <button
            type="button"
            class="secondary"
            disabled={busy || !note.trim()}
            onClick={() =>
              void act(`Noted on flag #${id}.`, async () => {
                await api('POST', `/v1/flags/${id}/notes`, { note: note.trim() });
                setNote('');
              })
            }
          >
            Add note only
          </button>
          <button type="button" class="secondary" disabled={busy} onClick={() => step(1)}>
            Next <kbd>j</kbd>
          </button>
        </div>
        <form
          class="assign"
          onSubmit={(event) => {
            event.preventDefault();
            const name = assignee.trim();
            void act(name ? `Assigned flag #${id} to ${name}.` : `Unassigned flag #${id}.`, () => api('POST', `/v1/flags/${id}/assign`, { assignee: name || null }));
          }}
        >
          <label for="assignee">Assign to</label>
          <input id="assignee" type="text" value={assignee} placeholder={flag.assignedTo ?? 'nobody'} maxLength={100} onInput={(e) => setAssignee((e.target as HTMLInputElement).value)} />
          <button type="submit" class="secondary" disabled={busy}>
            {assignee.trim() ? 'Assign' : 'Unassign'}
          </button>
          <span class="muted small">
            or <kbd>a</kbd> to take it yourself
          </span>
        </form>
      </section>

      <section class="evidence" aria-labelledby="evidence-title">
        <h2 id="evidence-title" class="visually-hidden">
          Evidence
        </h2>
        <article class="panel" aria-labelledby="post-title">
          <h3 id="post-title">Post</h3>
          {post ? (
            <>
              <p class="meta">
                {post.source}
                {post.community ? ` · ${post.community}` : ''} · {post.externalId} · by {post.authorId} · <time dateTime={post.createdAt}>{formatTime(post.createdAt)}</time>
              </p>
              {post.title ? <p class="post-title">{post.title}</p> : null}
              <HighlightedText text={post.text} spans={match?.postSpans ?? []} label="shared with the passage" />
              {post.urls.length ? (
                <ul class="urls small">
                  {post.urls.map((url) => (
                    <li key={url}>{url}</li>
                  ))}
                </ul>
              ) : null}
            </>
          ) : (
            <p class="muted">The post is missing.</p>
          )}
        </article>
        <article class="panel" aria-labelledby="passage-title">
          <h3 id="passage-title">{match ? `Matched passage ${match.passageIndex + 1}` : 'No passage matched'}</h3>
          {match ? (
            <>
              <p class="meta">
                {flag.pattern?.name ?? flag.patternId} · {formatPercent(coverage(match.passageText, match.passageSpans))} of the passage shared
              </p>
              <div data-testid="passage">
                <HighlightedText text={match.passageText} spans={match.passageSpans} label="shared with the post" />
              </div>
            </>
          ) : (
            <p class="muted">This flag was raised by behaviour signals, not by matching a passage.</p>
          )}
        </article>
      </section>

      <section aria-labelledby="similarity-title">
        <h2 id="similarity-title">Similarity and signals</h2>
        {similarity.length ? (
          <p class="figures">
            {similarity.map((s) => (
              <span key={s.name} class="figure">
                <span class="figure-value">{s.value.toFixed(2)}</span> {s.name}
              </span>
            ))}
          </p>
        ) : null}
        <SignalTable signals={flag.signals} />
      </section>

      <section aria-labelledby="story-title">
        <h2 id="story-title">
          Story timeline{' '}
          {story ? (
            <span class="muted small">
              #{story.id} · {story.postCount} posts · {story.authorCount} accounts · {story.communityCount} communities
            </span>
          ) : null}
        </h2>
        {flag.storyId === null ? <p class="muted">This flag's post is not part of a story yet.</p> : null}
        {storyError ? (
          <p class="error" role="alert">
            The story could not be loaded: {storyError}
          </p>
        ) : null}
        {story ? (
          <>
            {story.signals.length ? (
              <p class="figures">
                {story.signals.map((s) => (
                  <span key={s.name} class="figure">
                    <span class="figure-value">{s.value.toFixed(2)}</span> {s.name}
                  </span>
                ))}
              </p>
            ) : null}
            <TimelineChart story={story} currentPostId={flag.postId} />
            <details class="timeline-details" open={story.timeline.length <= 12}>
              <summary>Every post of the story</summary>
              <TimelineTable story={story} currentPostId={flag.postId} />
            </details>
          </>
        ) : flag.storyId ? (
          <p aria-live="polite">Loading the story…</p>
        ) : null}
      </section>

      <section aria-labelledby="history-title">
        <h2 id="history-title">Event history</h2>
        <EventList events={events} />
      </section>
    </main>
  );
}
