import { Type, type Static } from '@sinclair/typebox';
import { LIMITS } from './limits.js';
import './formats.js';

const Id = Type.String({ minLength: 1, maxLength: LIMITS.idChars });
const Count = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const DateTime = Type.String({ format: 'date-time', maxLength: 64 });

export const AuthorInput = Type.Object(
  {
    id: Id,
    handle: Type.Optional(Type.String({ maxLength: LIMITS.idChars })),
    createdAt: Type.Optional(DateTime),
    followers: Type.Optional(Count),
    karma: Type.Optional(Type.Integer({ minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER })),
  },
  { additionalProperties: false },
);
export type AuthorInput = Static<typeof AuthorInput>;

export const Engagement = Type.Object(
  {
    score: Type.Optional(Type.Integer({ minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER })),
    comments: Type.Optional(Count),
    shares: Type.Optional(Count),
    views: Type.Optional(Count),
    observedAt: Type.Optional(DateTime),
  },
  { additionalProperties: false },
);
export type Engagement = Static<typeof Engagement>;

export const PostRefSchema = Type.Object({ source: Id, externalId: Id }, { additionalProperties: false });

export const PostInput = Type.Object(
  {
    source: Id,
    externalId: Id,
    author: AuthorInput,
    community: Type.Optional(Type.String({ maxLength: LIMITS.communityChars })),
    title: Type.Optional(Type.String({ maxLength: LIMITS.titleChars })),
    text: Type.String({ maxLength: LIMITS.textChars }),
    urls: Type.Optional(Type.Array(Type.String({ format: 'uri', maxLength: LIMITS.urlChars }), { maxItems: LIMITS.urlsPerPost })),
    lang: Type.Optional(Type.String({ maxLength: 35 })),
    createdAt: DateTime,
    engagement: Type.Optional(Engagement),
    repostOf: Type.Optional(PostRefSchema),
  },
  { additionalProperties: false },
);
/** A post as clients submit it. */
export type PostInput = Static<typeof PostInput>;

export const EngagementUpdate = Type.Object(
  {
    source: Id,
    externalId: Id,
    engagement: Engagement,
    observedAt: DateTime,
  },
  { additionalProperties: false },
);
export type EngagementUpdate = Static<typeof EngagementUpdate>;

/** What the intake answers for each submitted item. */
export type ItemResult =
  | { index: number; status: 'queued' | 'duplicate'; source: string; externalId: string }
  | { index: number; status: 'rejected'; errors: FieldError[] };

export interface FieldError {
  /** JSON pointer of the offending field within the item, e.g. `/author/id`. */
  path: string;
  message: string;
}
