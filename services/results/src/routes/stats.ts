import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { DecisionTimes } from '@undertow/store';
import type { ResultsContext } from '../context.js';
import { precisionAtOrAbove, suggestThreshold, type ScoreOutcome } from '../stats/threshold-suggestion.js';

/** Reviewers should be right this often when a flag reaches the review tier. */
export const DEFAULT_TARGET_PRECISION = 0.9;

const StatsQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Count decisions made at or after this time' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Count decisions made before this time' })),
    targetPrecision: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, maximum: 1, default: DEFAULT_TARGET_PRECISION, description: 'Precision a threshold must keep to be suggested' }),
    ),
  },
  { additionalProperties: false },
);

function emptyDecisions(patternId: string): DecisionTimes {
  return {
    patternId,
    decisions: 0,
    byDecision: { confirm: 0, dismiss: 0, escalate: 0 },
    claimed: 0,
    handlingSeconds: { median: null, p90: null },
    timeToDecisionSeconds: { median: null, p90: null },
  };
}

/**
 * What reviewers' decisions teach: queue sizes, decisions and handling time per pattern,
 * precision per pattern (confirmed against dismissed), and the threshold that would keep
 * precision at the target.
 */
export function statsRoutes(ctx: ResultsContext): FastifyPluginAsyncTypebox {
  const { flags, reviewStats } = ctx.store;
  return async (app) => {
    app.get(
      '/v1/stats',
      {
        config: { access: 'reviewer' },
        schema: {
          summary:
            "Queue sizes; decisions, handling time and precision per pattern; a suggested review threshold per pattern (the lowest score at which decided flags reach the target precision) and whether the current one is too loose",
          querystring: StatsQuery,
        },
      },
      async (request) => {
        const { from, to, targetPrecision = DEFAULT_TARGET_PRECISION } = request.query;
        await flags.releaseExpiredClaims();
        const [queue, patterns, scores, decisions] = await Promise.all([
          reviewStats.queue(),
          reviewStats.patterns(),
          reviewStats.decidedScores(),
          reviewStats.decisions({ ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) }),
        ]);
        const pointsByPattern = new Map<string, ScoreOutcome[]>();
        for (const point of scores) {
          const points = pointsByPattern.get(point.patternId) ?? [];
          points.push(point);
          pointsByPattern.set(point.patternId, points);
        }
        const decisionsByPattern = new Map(decisions.map((d) => [d.patternId, d]));
        return {
          generatedAt: new Date().toISOString(),
          targetPrecision,
          window: { from: from ?? null, to: to ?? null },
          queue,
          decisions: decisionsByPattern.get(null)!,
          patterns: patterns.map((pattern) => {
            const points = pointsByPattern.get(pattern.patternId) ?? [];
            const overall = precisionAtOrAbove(points, 0);
            const atReview = precisionAtOrAbove(points, pattern.thresholds.review);
            return {
              patternId: pattern.patternId,
              name: pattern.name,
              kind: pattern.kind,
              active: pattern.active,
              deleted: pattern.deleted,
              thresholds: pattern.thresholds,
              flags: { total: Object.values(pattern.byStatus).reduce((a, b) => a + b, 0), byStatus: pattern.byStatus },
              decisions: decisionsByPattern.get(pattern.patternId) ?? emptyDecisions(pattern.patternId),
              precision: { value: overall.precision, confirmed: overall.confirmed, dismissed: overall.dismissed },
              atReviewThreshold: atReview,
              tooLoose: atReview.precision === null ? null : atReview.precision < targetPrecision,
              suggestion: suggestThreshold(points, targetPrecision),
            };
          }),
        };
      },
    );
  };
}
