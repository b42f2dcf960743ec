import { Type, type Static } from '@sinclair/typebox';
import { LIMITS } from './limits.js';
import type { PassageMatch, Tier } from './score.js';
import type { Signal } from './signal.js';

export const FLAG_STATUSES = ['open', 'in_review', 'confirmed', 'dismissed', 'escalated'] as const;
export type FlagStatus = (typeof FLAG_STATUSES)[number];

export const DECISIONS = ['confirm', 'dismiss', 'escalate'] as const;
export type Decision = (typeof DECISIONS)[number];

export const DECISION_STATUS: Record<Decision, FlagStatus> = {
  confirm: 'confirmed',
  dismiss: 'dismissed',
  escalate: 'escalated',
};

export const DecisionInput = Type.Object(
  {
    decision: Type.Union(DECISIONS.map((d) => Type.Literal(d))),
    note: Type.Optional(Type.String({ maxLength: LIMITS.noteChars })),
  },
  { additionalProperties: false },
);
export type DecisionInput = Static<typeof DecisionInput>;

export interface Flag {
  id: string;
  postId: string;
  patternId: string;
  patternVersion: number;
  storyId: string | null;
  tier: Exclude<Tier, 'none'>;
  score: number;
  status: FlagStatus;
  signals: Signal[];
  match: PassageMatch | null;
  createdAt: string;
  updatedAt: string;
}

export type FlagEventType = 'opened' | 'rescored' | 'claimed' | 'released' | 'decided' | 'noted' | 'assigned';

/** One entry of the append-only audit log. */
export interface FlagEvent {
  id: string;
  flagId: string;
  type: FlagEventType;
  actor: string;
  at: string;
  fromStatus: FlagStatus | null;
  toStatus: FlagStatus | null;
  note: string | null;
  data: Record<string, unknown>;
}
