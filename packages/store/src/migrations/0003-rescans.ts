import type { Migration } from './migration.js';

/**
 * Rescans and their chunks. A chunk is a run of post ids, consecutive among the posts in the
 * rescan's time range, planned once when the rescan is created. A chunk's `done` flag is set in
 * the same transaction as the scores, flags and counters it writes, and only if it was not set
 * yet: a chunk retried after a crash either finds its work rolled back and does it again, or
 * finds it committed and writes nothing. Each post is therefore counted exactly once.
 */
export const rescans: Migration = {
  id: '0003-rescans',
  sql: /* sql */ `
CREATE TABLE rescans (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  state             text NOT NULL DEFAULT 'queued'
                      CHECK (state IN ('queued', 'running', 'completed', 'cancelled', 'failed')),
  -- The patterns rescanned and the version of each that the rescan scores with.
  pattern_versions  jsonb NOT NULL,
  from_at           timestamptz,
  to_at             timestamptz,
  reason            text NOT NULL,
  created_by        text NOT NULL,
  -- Set for rescans a pattern change started, so that a retried indexing job starts one only.
  dedupe_key        text UNIQUE,
  total             bigint NOT NULL DEFAULT 0,
  done              bigint NOT NULL DEFAULT 0,
  newly_flagged     bigint NOT NULL DEFAULT 0,
  no_longer_flagged bigint NOT NULL DEFAULT 0,
  rescored          bigint NOT NULL DEFAULT 0,
  chunk_count       integer NOT NULL DEFAULT 0,
  error             text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  started_at        timestamptz,
  finished_at       timestamptz,
  updated_at        timestamptz NOT NULL DEFAULT now(),
  CHECK (from_at IS NULL OR to_at IS NULL OR from_at < to_at)
);
CREATE INDEX rescans_created_idx ON rescans (created_at DESC, id DESC);

CREATE TABLE rescan_chunks (
  rescan_id         bigint NOT NULL REFERENCES rescans (id),
  idx               integer NOT NULL,
  -- Inclusive bounds on post ids; the rescan's time range still applies within them.
  first_post_id     bigint NOT NULL,
  last_post_id      bigint NOT NULL,
  -- Posts in the chunk when it was planned, and when it was checked.
  planned           integer NOT NULL,
  checked           integer,
  done              boolean NOT NULL DEFAULT false,
  -- How many times a worker started the chunk: more than 1 after a crash or a retry.
  attempts          integer NOT NULL DEFAULT 0,
  newly_flagged     integer NOT NULL DEFAULT 0,
  no_longer_flagged integer NOT NULL DEFAULT 0,
  rescored          integer NOT NULL DEFAULT 0,
  -- Where the chunk's time went (milliseconds per stage) and how many posts needed a closer look.
  stats             jsonb,
  started_at        timestamptz,
  finished_at       timestamptz,
  PRIMARY KEY (rescan_id, idx),
  CHECK (first_post_id <= last_post_id)
);
`,
};
