import type { Signal } from '../types';

const NAMES: Record<string, string> = {
  'semantic-match': 'Semantic similarity',
  'near-duplicate': 'Near-duplicate text',
  'url-match': 'Same URL',
  'low-traction-relaunch': 'Low-traction relaunch',
  'coordinated-burst': 'Coordinated burst',
  'cross-community-spray': 'Cross-community spray',
  'young-account': 'Young account',
  'single-use-account': 'Single-use account',
};

function figure(value: unknown): string {
  return typeof value === 'number' ? (Number.isInteger(value) ? String(value) : value.toFixed(3)) : String(value);
}

/** A scorer's own summary first, then its figures. */
function detailText(detail: Record<string, unknown> | undefined): { summary: string | null; figures: string } {
  if (!detail) return { summary: null, figures: '' };
  const summary = typeof detail['summary'] === 'string' ? detail['summary'] : null;
  const figures = Object.entries(detail)
    .filter(([k, v]) => k !== 'summary' && (typeof v === 'number' || typeof v === 'boolean'))
    .slice(0, 6)
    .map(([k, v]) => `${k} ${figure(v)}`)
    .join(' · ');
  return { summary, figures };
}

/** Every signal with its value as a bar and its evidence figures. */
export function SignalTable({ signals }: { signals: readonly Signal[] }) {
  if (signals.length === 0) return <p class="muted">No signals recorded.</p>;
  const sorted = [...signals].sort((a, b) => b.value - a.value);
  return (
    <table class="signals">
      <caption class="visually-hidden">Signals and their values</caption>
      <thead>
        <tr>
          <th scope="col">Signal</th>
          <th scope="col">Value</th>
          <th scope="col">Evidence</th>
        </tr>
      </thead>
      <tbody>
        {sorted.map((signal, i) => (
          <tr key={`${signal.name}-${i}`}>
            <th scope="row">
              {NAMES[signal.name] ?? signal.name}
              <span class="muted small"> {signal.scorer.name} v{signal.scorer.version}{signal.model && signal.model !== 'none' ? ` · ${signal.model}` : ''}</span>
            </th>
            <td class="value-cell">
              <meter min={0} max={1} low={0.5} high={0.8} optimum={1} value={signal.value} aria-label={`${NAMES[signal.name] ?? signal.name} ${signal.value.toFixed(2)}`} />
              <span class="num">{signal.value.toFixed(2)}</span>
            </td>
            <td class="small">
              {detailText(signal.detail).summary ? <span class="summary">{detailText(signal.detail).summary}</span> : null}
              <span class="muted"> {detailText(signal.detail).figures}</span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
