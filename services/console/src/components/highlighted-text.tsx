import type { Span } from '../types';

/** Spans sorted and merged, clipped to the text: overlapping evidence is one highlight. */
export function mergeSpans(spans: readonly Span[], length: number): Span[] {
  const sorted = spans
    .map((s) => ({ start: Math.max(0, Math.min(s.start, length)), end: Math.max(0, Math.min(s.end, length)) }))
    .filter((s) => s.end > s.start)
    .sort((a, b) => a.start - b.start);
  const merged: Span[] = [];
  for (const span of sorted) {
    const last = merged.at(-1);
    if (last && span.start <= last.end) last.end = Math.max(last.end, span.end);
    else merged.push({ ...span });
  }
  return merged;
}

/** Text with the shared spans marked; `label` names the highlights for screen readers. */
export function HighlightedText({ text, spans, label }: { text: string; spans: readonly Span[]; label: string }) {
  const parts: preact.ComponentChildren[] = [];
  let at = 0;
  mergeSpans(spans, text.length).forEach((span, i) => {
    if (span.start > at) parts.push(text.slice(at, span.start));
    parts.push(
      <mark key={i} aria-label={label}>
        {text.slice(span.start, span.end)}
      </mark>,
    );
    at = span.end;
  });
  if (at < text.length) parts.push(text.slice(at));
  return <p class="evidence-text">{parts}</p>;
}

/** Share of the text the spans cover, 0…1. */
export function coverage(text: string, spans: readonly Span[]): number {
  if (text.length === 0) return 0;
  return mergeSpans(spans, text.length).reduce((sum, s) => sum + s.end - s.start, 0) / text.length;
}
