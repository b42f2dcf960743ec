import type { Migration } from './migration.js';

/** API keys, and the indexes the review workflow and its statistics read by. */
export const accessReview: Migration = {
  id: '0002-access-review',
  sql: /* sql */ `
-- Only a hash of each key is kept: a leaked table does not leak working keys.
CREATE TABLE api_keys (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name         text NOT NULL,
  role         text NOT NULL CHECK (role IN ('submitter', 'reviewer', 'admin')),
  prefix       text NOT NULL,
  hash         text NOT NULL UNIQUE,
  rate_limit   integer CHECK (rate_limit > 0),
  created_at   timestamptz NOT NULL DEFAULT now(),
  created_by   text,
  last_used_at timestamptz,
  revoked_at   timestamptz
);
CREATE INDEX api_keys_active_role_idx ON api_keys (role) WHERE revoked_at IS NULL;

-- Claims that may have run out, for the sweep that reopens them.
CREATE INDEX flags_claim_expiry_idx ON flags (claim_expires_at) WHERE claimed_by IS NOT NULL;
-- A story's flags, decided together.
CREATE INDEX flags_story_idx ON flags (story_id) WHERE story_id IS NOT NULL;
CREATE INDEX flags_assigned_idx ON flags (assigned_to) WHERE assigned_to IS NOT NULL;
-- Decisions by time, for the statistics; and the event history, newest first.
CREATE INDEX flag_events_type_at_idx ON flag_events (type, at);
`,
};
