import { useEffect, useState } from 'preact/hooks';
import { api, query } from '../api';
import { formatPercent, formatScore, formatSeconds, formatTime } from '../format';
import { navigate, type Route } from '../router';
import type { PatternStats, Stats } from '../types';

const TARGETS = ['0.8', '0.85', '0.9', '0.95'];

/** Queue sizes, outcomes per pattern, and whether each pattern's review threshold is too loose. */
export function StatsView({ route }: { route: Route }) {
  const target = route.params.get('target') ?? '0.9';
  const [stats, setStats] = useState<Stats | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    api<Stats>('GET', `/v1/stats${query({ targetPrecision: target })}`)
      .then((s) => {
        setStats(s);
        setError(null);
      })
      .catch((caught: Error) => setError(caught.message));
  }, [target]);

  if (error) {
    return (
      <main id="main">
        <h1>Statistics</h1>
        <p class="error" role="alert">
          {error}
        </p>
      </main>
    );
  }
  if (!stats) {
    return (
      <main id="main">
        <h1>Statistics</h1>
        <p aria-live="polite">Loading…</p>
      </main>
    );
  }
  const q = stats.queue;
  const patterns = stats.patterns.filter((p) => p.flags.total > 0 || p.active);
  return (
    <main id="main" class="stats">
      <div class="view-head">
        <h1>Statistics</h1>
        <label>
          Target precision
          <select value={target} onChange={(e) => navigate('/stats', { target: (e.target as HTMLSelectElement).value })}>
            {TARGETS.map((t) => (
              <option key={t} value={t}>
                {formatPercent(Number(t))}
              </option>
            ))}
          </select>
        </label>
      </div>

      <section aria-labelledby="queue-title">
        <h2 id="queue-title">Queue</h2>
        <dl class="cards">
          <Card label="Open" value={q.byStatus.open} />
          <Card label="In review" value={q.byStatus.in_review} />
          <Card label="Escalated" value={q.byStatus.escalated} />
          <Card label="Confirmed" value={q.byStatus.confirmed} testId="stat-confirmed" />
          <Card label="Dismissed" value={q.byStatus.dismissed} />
          <Card label="Waiting, priority" value={q.pendingByTier.priority} />
          <Card label="Waiting, review" value={q.pendingByTier.review} />
          <Card label="Oldest open since" value={formatTime(q.oldestOpenAt)} />
        </dl>
      </section>

      <section aria-labelledby="decisions-title">
        <h2 id="decisions-title">Decisions</h2>
        <dl class="cards">
          <Card label="Decisions" value={stats.decisions.decisions} testId="stat-decisions" />
          <Card label="Confirm / dismiss / escalate" value={`${stats.decisions.byDecision.confirm} / ${stats.decisions.byDecision.dismiss} / ${stats.decisions.byDecision.escalate}`} />
          <Card label="Handling time, median" value={formatSeconds(stats.decisions.handlingSeconds.median)} />
          <Card label="Handling time, 90th pct" value={formatSeconds(stats.decisions.handlingSeconds.p90)} />
          <Card label="Raised to decided, median" value={formatSeconds(stats.decisions.timeToDecisionSeconds.median)} />
        </dl>
      </section>

      <section aria-labelledby="patterns-title">
        <h2 id="patterns-title">Patterns</h2>
        <p class="muted small">
          Precision is confirmed ÷ (confirmed + dismissed). The suggested threshold is the lowest score at which the decided flags still reach {formatPercent(stats.targetPrecision)} precision; a
          threshold is too loose when precision at it is below that.
        </p>
        <table class="pattern-stats">
          <thead>
            <tr>
              <th scope="col">Pattern</th>
              <th scope="col">Flags</th>
              <th scope="col">Waiting</th>
              <th scope="col">Confirmed</th>
              <th scope="col">Dismissed</th>
              <th scope="col">Escalated</th>
              <th scope="col">Precision</th>
              <th scope="col">Review threshold</th>
              <th scope="col">Suggested threshold</th>
              <th scope="col">Handling, median</th>
            </tr>
          </thead>
          <tbody>
            {patterns.map((p) => (
              <PatternRow key={p.patternId} pattern={p} />
            ))}
          </tbody>
        </table>
      </section>
      <p class="muted small">As of {formatTime(stats.generatedAt)}.</p>
    </main>
  );
}

function Card({ label, value, testId }: { label: string; value: string | number; testId?: string }) {
  return (
    <div class="card">
      <dt>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
    </div>
  );
}

function PatternRow({ pattern: p }: { pattern: PatternStats }) {
  const s = p.suggestion;
  return (
    <tr data-pattern-id={p.patternId}>
      <th scope="row">
        {p.name}
        <span class="muted small"> {p.kind}{p.active ? '' : ' · inactive'}{p.deleted ? ' · deleted' : ''}</span>
      </th>
      <td class="num">{p.flags.total}</td>
      <td class="num">{p.flags.byStatus.open + p.flags.byStatus.in_review}</td>
      <td class="num">{p.flags.byStatus.confirmed}</td>
      <td class="num">{p.flags.byStatus.dismissed}</td>
      <td class="num">{p.flags.byStatus.escalated}</td>
      <td class="num">
        {formatPercent(p.precision.value)}
        <span class="muted small"> ({p.precision.confirmed}/{p.precision.confirmed + p.precision.dismissed})</span>
      </td>
      <td>
        {formatScore(p.thresholds.review)}
        {p.tooLoose === true ? <span class="badge warn"> too loose: {formatPercent(p.atReviewThreshold.precision)} at it</span> : null}
        {p.tooLoose === false ? <span class="badge ok"> holds</span> : null}
      </td>
      <td>
        {s.threshold === null ? (
          <span class="muted">{s.below.confirmed + s.below.dismissed === 0 ? 'no decisions yet' : 'none reaches the target'}</span>
        ) : (
          <>
            {formatScore(s.threshold)}{' '}
            <span class="muted small">
              ({s.confirmed} confirmed, {s.dismissed} dismissed at or above; {s.below.dismissed} dismissed and {s.below.confirmed} confirmed below)
              {s.sufficient ? '' : ' · few decisions'}
            </span>
          </>
        )}
      </td>
      <td class="num">{formatSeconds(p.decisions.handlingSeconds.median)}</td>
    </tr>
  );
}
