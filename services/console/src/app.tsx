import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, session, whenUnauthorized } from './api';
import { ConsoleContext, type ConsoleState, type Notice } from './context';
import { useShortcuts } from './keyboard';
import { navigate, useRoute } from './router';
import type { Me, PatternSummary } from './types';
import { FlagDetailView } from './views/flag-detail';
import { HistoryView } from './views/history';
import { QueueView } from './views/queue';
import { SignIn } from './views/sign-in';
import { StatsView } from './views/stats';

const SHORTCUTS: [string, string][] = [
  ['j / k', 'next / previous flag'],
  ['Enter or o', 'open the flag (queue)'],
  ['x', 'select the flag for a bulk decision (queue)'],
  ['c', 'confirm (flag)'],
  ['d', 'dismiss (flag)'],
  ['e', 'escalate (flag)'],
  ['n', 'write a note (flag)'],
  ['r', 'release your claim (flag) / refresh (queue)'],
  ['a', 'assign the flag to yourself'],
  ['u or Esc', 'back to the queue'],
  ['g then q / h / s', 'go to queue, history, statistics'],
  ['?', 'this help'],
];

/** Signs in, then shows the queue, a flag, the history or the statistics. */
export function App() {
  const route = useRoute();
  const [me, setMe] = useState<Me | null>(null);
  const [checking, setChecking] = useState(Boolean(session.key()));
  const [reason, setReason] = useState<string | null>(null);
  const [patterns, setPatterns] = useState<Map<string, PatternSummary>>(new Map());
  const [notices, setNotices] = useState<Notice[]>([]);
  const [helpOpen, setHelpOpen] = useState(false);
  const queueOrder = useRef({ ids: [] as string[], back: '#/queue' });
  const goPending = useRef(false);

  const signOut = useCallback((why: string | null = null) => {
    session.clear();
    setMe(null);
    setReason(why);
  }, []);

  useEffect(() => {
    whenUnauthorized(() => signOut('Your key stopped working (revoked or unknown). Sign in again.'));
    if (!session.key()) return;
    api<Me>('GET', '/v1/me')
      .then((m) => (m.role === 'submitter' ? signOut('A submitter key cannot use the console.') : setMe(m)))
      .catch(() => signOut(null))
      .finally(() => setChecking(false));
  }, []);

  useEffect(() => {
    if (!me) return;
    api<{ items: PatternSummary[] }>('GET', '/v1/patterns')
      .then((page) => setPatterns(new Map(page.items.map((p) => [p.id, p]))))
      .catch(() => undefined);
  }, [me]);

  const notify = useCallback((text: string, kind: Notice['kind'] = 'ok') => {
    const notice = { id: Date.now() + Math.random(), text, kind };
    setNotices((current) => [...current.slice(-2), notice]);
    setTimeout(() => setNotices((current) => current.filter((n) => n.id !== notice.id)), kind === 'error' ? 9000 : 5000);
  }, []);

  useShortcuts(
    {
      '?': () => setHelpOpen(true),
      g: () => {
        goPending.current = true;
        setTimeout(() => (goPending.current = false), 1200);
      },
      q: () => goPending.current && navigate('/queue'),
      h: () => goPending.current && navigate('/history'),
      s: () => goPending.current && navigate('/stats'),
    },
    Boolean(me),
  );

  const state = useMemo<ConsoleState | null>(() => (me ? { me, patterns, notify, queueOrder: queueOrder.current } : null), [me, patterns, notify]);

  if (checking) return <p class="loading">Checking your key…</p>;
  if (!me || !state) {
    return (
      <SignIn
        reason={reason}
        onSignedIn={(key, who) => {
          session.set(key);
          setReason(null);
          setMe(who);
        }}
      />
    );
  }

  const flagMatch = /^\/flags\/([0-9]+)$/.exec(route.path);
  const section = flagMatch ? 'queue' : route.path.slice(1);
  return (
    <ConsoleContext.Provider value={state}>
      <a href="#main" class="skip">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Undertow</span>
        <nav aria-label="Sections">
          <a href="#/queue" aria-current={section === 'queue' ? 'page' : undefined}>
            Queue
          </a>
          <a href="#/history" aria-current={section === 'history' ? 'page' : undefined}>
            History
          </a>
          <a href="#/stats" aria-current={section === 'stats' ? 'page' : undefined}>
            Statistics
          </a>
        </nav>
        <span class="who">
          {me.name} <span class="muted">· {me.role}</span>
        </span>
        <button type="button" class="link" onClick={() => setHelpOpen(true)} aria-haspopup="dialog">
          Shortcuts <kbd>?</kbd>
        </button>
        <button type="button" class="link" onClick={() => signOut()}>
          Sign out
        </button>
      </header>
      {flagMatch ? (
        <FlagDetailView id={flagMatch[1]!} />
      ) : route.path === '/stats' ? (
        <StatsView route={route} />
      ) : route.path === '/history' ? (
        <HistoryView route={route} />
      ) : (
        <QueueView route={route} />
      )}
      <div class="notices" role="status" aria-live="polite">
        {notices.map((n) => (
          <p key={n.id} class={`notice notice-${n.kind}`}>
            {n.text}
          </p>
        ))}
      </div>
      {helpOpen ? <Help onClose={() => setHelpOpen(false)} /> : null}
    </ConsoleContext.Provider>
  );
}

function Help({ onClose }: { onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => dialog.current?.showModal(), []);
  return (
    <dialog ref={dialog} class="help" aria-labelledby="help-title" onClose={onClose}>
      <h2 id="help-title">Keyboard shortcuts</h2>
      <dl>
        {SHORTCUTS.map(([keys, what]) => (
          <div key={keys}>
            <dt>
              <kbd>{keys}</kbd>
            </dt>
            <dd>{what}</dd>
          </div>
        ))}
      </dl>
      <form method="dialog">
        <button type="submit">Close</button>
      </form>
    </dialog>
  );
}
