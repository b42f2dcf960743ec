/** Formatting shared by the views: times, ages, scores. */

const dateTime = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

export function formatTime(iso: string | null | undefined): string {
  return iso ? dateTime.format(new Date(iso)) : '—';
}

export function formatClock(iso: string): string {
  return timeOnly.format(new Date(iso));
}

/** "3 h 20 min after", "2 d after": how far apart two moments are. */
export function formatGap(ms: number): string {
  const minutes = Math.round(Math.abs(ms) / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  return `${Math.round(hours / 24)} d`;
}

export function formatAge(days: number | null): string {
  if (days === null) return 'unknown age';
  if (days < 1) return `${Math.max(0, Math.round(days * 24))} h old`;
  if (days < 60) return `${Math.round(days)} d old`;
  return `${Math.round(days / 30)} mo old`;
}

export function formatScore(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : value.toFixed(2);
}

export function formatPercent(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `${Math.round(value * 100)}%`;
}

export function formatSeconds(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  if (value < 90) return `${Math.round(value)} s`;
  if (value < 5400) return `${Math.round(value / 60)} min`;
  return `${(value / 3600).toFixed(1)} h`;
}

export function statusLabel(status: string): string {
  return status === 'in_review' ? 'in review' : status;
}

/** Young accounts are the tell of burner relaunches. */
export function ageClass(days: number | null): 'age-new' | 'age-young' | 'age-old' | 'age-unknown' {
  if (days === null) return 'age-unknown';
  if (days < 7) return 'age-new';
  if (days < 30) return 'age-young';
  return 'age-old';
}
