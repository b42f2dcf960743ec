import { formatTime, statusLabel } from '../format';
import type { FlagEvent } from '../types';

function describe(event: FlagEvent): string {
  switch (event.type) {
    case 'opened':
      return `raised (${String(event.data['tier'] ?? '')} ${typeof event.data['score'] === 'number' ? (event.data['score'] as number).toFixed(2) : ''})`;
    case 'rescored':
      return `rescored ${String(event.data['fromTier'] ?? '')} → ${String(event.data['toTier'] ?? '')}`;
    case 'claimed':
      return event.data['renewed'] ? 'renewed the claim' : 'claimed';
    case 'released':
      return event.data['reason'] === 'expired' ? `claim of ${String(event.data['claimedBy'])} ran out` : 'released';
    case 'decided':
      return `decided: ${statusLabel(event.toStatus ?? '')}${event.data['bulk'] ? ' (bulk)' : ''}${event.data['overrodeClaimOf'] ? ` over ${String(event.data['overrodeClaimOf'])}'s claim` : ''}`;
    case 'assigned':
      return event.data['to'] ? `assigned to ${String(event.data['to'])}` : 'unassigned';
    case 'noted':
      return 'added a note';
  }
}

/** The append-only log, as a list a reviewer scans; `showFlag` links each event to its flag. */
export function EventList({ events, showFlag = false }: { events: readonly FlagEvent[]; showFlag?: boolean }) {
  if (events.length === 0) return <p class="muted">No events.</p>;
  return (
    <ol class="events">
      {events.map((event) => (
        <li key={event.id} class={`event event-${event.type}`}>
          <time dateTime={event.at}>{formatTime(event.at)}</time>
          <span class="actor">{event.actor}</span>
          <span class="what">
            {describe(event)}
            {showFlag ? (
              <>
                {' '}
                on <a href={`#/flags/${event.flagId}`}>flag #{event.flagId}</a>
              </>
            ) : null}
          </span>
          {event.note ? <q class="note">{event.note}</q> : null}
        </li>
      ))}
    </ol>
  );
}
