import { useEffect, useState } from 'preact/hooks';
import { api, query } from '../api';
import { EventList } from '../components/event-list';
import { navigate, type Route } from '../router';
import type { FlagEvent } from '../types';

const TYPES = [
  ['', 'Every change'],
  ['decided', 'Decisions'],
  ['claimed,released', 'Claims and releases'],
  ['assigned', 'Assignments'],
  ['noted', 'Notes'],
  ['opened,rescored', 'Raised and rescored'],
];

/** The append-only log across all flags, newest first. */
export function HistoryView({ route }: { route: Route }) {
  const type = route.params.get('type') ?? '';
  const actor = route.params.get('actor') ?? '';
  const [events, setEvents] = useState<FlagEvent[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    api<{ items: FlagEvent[]; nextCursor: string | null }>('GET', `/v1/events${query({ type, actor, limit: 100 })}`)
      .then((page) => {
        setEvents(page.items);
        setCursor(page.nextCursor);
        setError(null);
      })
      .catch((caught: Error) => setError(caught.message));
  }, [type, actor]);

  async function more() {
    if (!cursor) return;
    const page = await api<{ items: FlagEvent[]; nextCursor: string | null }>('GET', `/v1/events${query({ type, actor, limit: 100, cursor })}`);
    setEvents((current) => [...current, ...page.items]);
    setCursor(page.nextCursor);
  }

  return (
    <main id="main" class="history">
      <div class="view-head">
        <h1>Event history</h1>
      </div>
      <form class="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Changes
          <select value={type} onChange={(e) => navigate('/history', { type: (e.target as HTMLSelectElement).value, actor })}>
            {TYPES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          By
          <input type="text" value={actor} placeholder="anyone" onChange={(e) => navigate('/history', { type, actor: (e.target as HTMLInputElement).value.trim() })} />
        </label>
      </form>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      <EventList events={events} showFlag />
      {cursor ? (
        <button type="button" class="secondary" onClick={() => void more()}>
          Older events
        </button>
      ) : null}
    </main>
  );
}
