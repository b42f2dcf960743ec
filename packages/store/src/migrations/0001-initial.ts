import type { Migration } from './migration.js';

export const initial: Migration = {
  id: '0001-initial',
  sql: /* sql */ `
CREATE TABLE authors (
  source        text NOT NULL,
  id            text NOT NULL,
  handle        text,
  created_at    timestamptz,
  followers     bigint,
  karma         bigint,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, id)
);

CREATE TABLE posts (
  id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source                text NOT NULL,
  external_id           text NOT NULL,
  author_id             text NOT NULL,
  community             text,
  title                 text,
  text                  text NOT NULL,
  urls                  text[] NOT NULL DEFAULT '{}',
  url_keys              text[] NOT NULL DEFAULT '{}',
  lang                  text,
  created_at            timestamptz NOT NULL,
  repost_of_source      text,
  repost_of_external_id text,
  text_hash             text NOT NULL,
  minhash               bytea,
  received_at           timestamptz NOT NULL DEFAULT now(),
  UNIQUE (source, external_id),
  CHECK ((repost_of_source IS NULL) = (repost_of_external_id IS NULL))
);
CREATE INDEX posts_created_at_idx ON posts (created_at);
CREATE INDEX posts_text_hash_idx ON posts (text_hash);
CREATE INDEX posts_author_idx ON posts (source, author_id);

-- No foreign key: an engagement update may arrive before its post.
CREATE TABLE engagement_observations (
  source      text NOT NULL,
  external_id text NOT NULL,
  observed_at timestamptz NOT NULL,
  score       bigint,
  comments    bigint,
  shares      bigint,
  views       bigint,
  PRIMARY KEY (source, external_id, observed_at)
);

CREATE TABLE patterns (
  id          text PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('document', 'narrative', 'behaviour')),
  name        text NOT NULL,
  description text,
  version     integer NOT NULL CHECK (version > 0),
  status      text NOT NULL CHECK (status IN ('indexing', 'ready', 'failed')),
  active      boolean NOT NULL DEFAULT true,
  text        text,
  examples    jsonb NOT NULL DEFAULT '[]',
  urls        text[] NOT NULL DEFAULT '{}',
  thresholds  jsonb NOT NULL,
  tags        text[] NOT NULL DEFAULT '{}',
  params      jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  deleted_at  timestamptz
);

CREATE TABLE pattern_versions (
  pattern_id text NOT NULL REFERENCES patterns (id),
  version    integer NOT NULL,
  body       jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (pattern_id, version)
);

CREATE TABLE passages (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  pattern_id      text NOT NULL REFERENCES patterns (id),
  pattern_version integer NOT NULL,
  idx             integer NOT NULL,
  text            text NOT NULL,
  start_offset    integer NOT NULL,
  end_offset      integer NOT NULL,
  text_hash       text NOT NULL,
  minhash         bytea NOT NULL,
  UNIQUE (pattern_id, pattern_version, idx)
);

-- Keyed by normalised-text hash, shared by posts and passages: identical text is embedded once
-- and rescans reuse stored vectors.
CREATE TABLE embeddings (
  model      text NOT NULL,
  text_hash  text NOT NULL,
  dim        integer NOT NULL,
  vector     bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (model, text_hash),
  CHECK (length(vector) = dim * 4)
);

CREATE TABLE scores (
  post_id   bigint PRIMARY KEY REFERENCES posts (id),
  value     real NOT NULL,
  tier      text NOT NULL CHECK (tier IN ('none', 'review', 'priority')),
  patterns  jsonb NOT NULL,
  versions  jsonb NOT NULL,
  model     text NOT NULL,
  scored_at timestamptz NOT NULL
);

CREATE TABLE stories (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  key             text UNIQUE,
  first_post_id   bigint REFERENCES posts (id),
  first_seen_at   timestamptz NOT NULL,
  post_count      integer NOT NULL DEFAULT 0,
  author_count    integer NOT NULL DEFAULT 0,
  community_count integer NOT NULL DEFAULT 0,
  updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE story_posts (
  story_id  bigint NOT NULL REFERENCES stories (id),
  post_id   bigint PRIMARY KEY REFERENCES posts (id),
  joined_at timestamptz NOT NULL,
  via       text NOT NULL
);
CREATE INDEX story_posts_story_idx ON story_posts (story_id, joined_at);

CREATE TABLE flags (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  post_id          bigint NOT NULL REFERENCES posts (id),
  pattern_id       text NOT NULL REFERENCES patterns (id),
  pattern_version  integer NOT NULL,
  story_id         bigint REFERENCES stories (id),
  tier             text NOT NULL CHECK (tier IN ('review', 'priority')),
  score            real NOT NULL,
  status           text NOT NULL DEFAULT 'open'
                     CHECK (status IN ('open', 'in_review', 'confirmed', 'dismissed', 'escalated')),
  signals          jsonb NOT NULL DEFAULT '[]',
  match            jsonb,
  claimed_by       text,
  claim_expires_at timestamptz,
  assigned_to      text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (post_id, pattern_id)
);
-- The queue's default order, with id as the keyset tie-breaker.
CREATE INDEX flags_status_score_idx ON flags (status, score DESC, id DESC);
CREATE INDEX flags_created_at_idx ON flags (created_at);
CREATE INDEX flags_pattern_idx ON flags (pattern_id);

CREATE TABLE flag_events (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  flag_id     bigint NOT NULL REFERENCES flags (id),
  type        text NOT NULL,
  actor       text NOT NULL,
  at          timestamptz NOT NULL DEFAULT now(),
  from_status text,
  to_status   text,
  note        text,
  data        jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX flag_events_flag_idx ON flag_events (flag_id, id);

-- The audit log is append-only, whoever connects: rewriting history must fail loudly.
CREATE FUNCTION flag_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'flag_events is append-only: % is not allowed', TG_OP USING ERRCODE = 'P0001';
END
$$;
CREATE TRIGGER flag_events_no_update_or_delete BEFORE UPDATE OR DELETE ON flag_events
  FOR EACH ROW EXECUTE FUNCTION flag_events_append_only();
CREATE TRIGGER flag_events_no_truncate BEFORE TRUNCATE ON flag_events
  FOR EACH STATEMENT EXECUTE FUNCTION flag_events_append_only();
`,
};
