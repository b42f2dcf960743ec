import { Type, type Static } from '@sinclair/typebox';
import { UndertowError } from './errors.js';

/**
 * What an API key may do. `submitter`: intake only. `reviewer`: flags, stories, decisions, stats.
 * `admin`: everything, including patterns, rescans and keys.
 */
export const ROLES = ['submitter', 'reviewer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** An API key as the system shows it: never the secret, only its first characters. */
export interface ApiKey {
  id: string;
  /** Who holds the key; recorded as the actor of every change made with it. */
  name: string;
  role: Role;
  /** The key's first characters, enough to tell keys apart in a list. */
  prefix: string;
  /** Requests per minute; null means the role's default. */
  rateLimit: number | null;
  createdAt: string;
  createdBy: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export const ApiKeyName = Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9][A-Za-z0-9._@ -]*$' });

export const ApiKeyInput = Type.Object(
  {
    name: ApiKeyName,
    role: Type.Union(ROLES.map((role) => Type.Literal(role))),
    /** Requests per minute for this key; default: the role's limit from the configuration. */
    rateLimit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
  },
  { additionalProperties: false },
);
export type ApiKeyInput = Static<typeof ApiKeyInput>;

export class UnauthorizedError extends UndertowError {
  constructor(message: string) {
    super('UNAUTHORIZED', message);
  }
}
