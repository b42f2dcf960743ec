import { Type, type Static } from '@sinclair/typebox';
import { FLAG_STATUSES, type FlagStatus } from '@undertow/core';
import type { FlagFilter } from '@undertow/store';

const STATUS = `(${FLAG_STATUSES.join('|')})`;

/** The filters of the queue, shared by listing and bulk decisions. */
export const FlagSelectionFields = {
  status: Type.Optional(Type.String({ pattern: `^${STATUS}(,${STATUS})*$`, description: `One status or several separated by commas: ${FLAG_STATUSES.join(', ')}` })),
  patternId: Type.Optional(Type.String({ maxLength: 64 })),
  tier: Type.Optional(Type.Union([Type.Literal('review'), Type.Literal('priority')])),
  minScore: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  source: Type.Optional(Type.String({ maxLength: 256 })),
  community: Type.Optional(Type.String({ maxLength: 256 })),
  from: Type.Optional(Type.String({ format: 'date-time', description: "Inclusive lower bound on the post's createdAt" })),
  to: Type.Optional(Type.String({ format: 'date-time', description: "Exclusive upper bound on the post's createdAt" })),
  storyId: Type.Optional(Type.String({ pattern: '^[0-9]{1,18}$', description: 'Flags of one story' })),
  assignedTo: Type.Optional(Type.String({ maxLength: 100 })),
  claimedBy: Type.Optional(Type.String({ maxLength: 100 })),
};

export const FlagSelection = Type.Object(FlagSelectionFields, { additionalProperties: false });
export type FlagSelection = Static<typeof FlagSelection>;

export function toFlagFilter(selection: FlagSelection): FlagFilter {
  const { status, ...rest } = selection;
  return status === undefined ? rest : { ...rest, status: status.split(',') as FlagStatus[] };
}
