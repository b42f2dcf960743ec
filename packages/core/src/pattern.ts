import { Type, type Static } from '@sinclair/typebox';
import { LIMITS } from './limits.js';
import './formats.js';

export const PATTERN_KINDS = ['document', 'narrative', 'behaviour'] as const;
export type PatternKind = (typeof PATTERN_KINDS)[number];

const Unit = Type.Number({ minimum: 0, maximum: 1 });

export const Thresholds = Type.Object(
  {
    /** Combined score at or above which a post is worth a look. Default 0.5. */
    review: Unit,
    /** Combined score at or above which a post needs action now. Default 0.8. */
    priority: Unit,
  },
  { additionalProperties: false },
);
export type Thresholds = Static<typeof Thresholds>;

export const DEFAULT_THRESHOLDS: Thresholds = { review: 0.5, priority: 0.8 };

const Tag = Type.String({ minLength: 1, maxLength: 100 });
const Name = Type.String({ minLength: 1, maxLength: 200 });
const Url = Type.String({ format: 'uri', maxLength: LIMITS.urlChars });

export const PatternInput = Type.Object(
  {
    kind: Type.Union([Type.Literal('document'), Type.Literal('narrative'), Type.Literal('behaviour')]),
    name: Name,
    description: Type.Optional(Type.String({ maxLength: 10_000 })),
    /** The document's full text (kind `document`). */
    text: Type.Optional(Type.String({ minLength: 1, maxLength: LIMITS.patternTextChars })),
    /** Example texts of the claim (kind `narrative`). */
    examples: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: LIMITS.textChars }), { minItems: 1, maxItems: LIMITS.patternExamples }),
    ),
    urls: Type.Optional(Type.Array(Url, { maxItems: LIMITS.patternUrls })),
    thresholds: Type.Optional(Thresholds),
    /** Taxonomy tags such as DISARM technique ids. */
    tags: Type.Optional(Type.Array(Tag, { maxItems: LIMITS.tagsPerPattern })),
    active: Type.Optional(Type.Boolean()),
    /** Parameters of a behaviour pattern or of the content scorers. */
    params: Type.Optional(Type.Record(Type.String({ maxLength: 100 }), Type.Union([Type.Number(), Type.Boolean(), Type.String({ maxLength: 200 })]))),
  },
  { additionalProperties: false },
);
export type PatternInput = Static<typeof PatternInput>;

export type PatternStatus = 'indexing' | 'ready' | 'failed';

export interface Pattern {
  id: string;
  kind: PatternKind;
  name: string;
  description: string | null;
  version: number;
  status: PatternStatus;
  active: boolean;
  text: string | null;
  examples: string[];
  urls: string[];
  thresholds: Thresholds;
  tags: string[];
  params: Record<string, number | boolean | string>;
  createdAt: string;
  updatedAt: string;
}

/** A window of a document pattern's text (or one narrative example), the unit of matching. */
export interface Passage {
  id: string;
  patternId: string;
  patternVersion: number;
  /** 0-based position within the pattern. */
  index: number;
  text: string;
  /** Character offsets of this passage within the pattern text. */
  start: number;
  end: number;
}
