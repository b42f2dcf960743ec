import type { Migration } from './migration.js';

const BUILT_IN = [
  {
    id: 'builtin-low-traction-relaunch',
    name: 'Low-traction relaunch',
    description: 'Material whose first appearance got no traction, pushed again later by other accounts or into other communities.',
    params: { rule: 'low-traction-relaunch', maxFirstTraction: 5, relaunchGapMinutes: 60 },
    tags: ['T0049'],
  },
  {
    id: 'builtin-coordinated-burst',
    name: 'Coordinated burst',
    description: 'Five or more distinct accounts posting the same content within an hour.',
    params: { rule: 'coordinated-burst', burstAccounts: 5, burstWindowMinutes: 60 },
    tags: ['T0049'],
  },
  {
    id: 'builtin-cross-community-spray',
    name: 'Cross-community spray',
    description: 'One or a few accounts posting the same content into many communities.',
    params: { rule: 'cross-community-spray', sprayCommunities: 4, sprayMaxAccounts: 3 },
    tags: ['T0049'],
  },
];

const seed = BUILT_IN.map((p) => {
  const body = {
    kind: 'behaviour',
    name: p.name,
    description: p.description,
    text: null,
    examples: [],
    urls: [],
    thresholds: { review: 0.5, priority: 0.8 },
    tags: p.tags,
    params: p.params,
    active: true,
  };
  const json = (v: unknown) => `'${JSON.stringify(v).replace(/'/g, "''")}'::jsonb`;
  return `
INSERT INTO patterns (id, kind, name, description, version, status, active, thresholds, tags, params)
VALUES ('${p.id}', 'behaviour', '${p.name}', '${p.description.replace(/'/g, "''")}', 1, 'ready', true, ${json(body.thresholds)}, ARRAY[${p.tags.map((t) => `'${t}'`).join(',')}], ${json(p.params)})
ON CONFLICT (id) DO NOTHING;
INSERT INTO pattern_versions (pattern_id, version, body) VALUES ('${p.id}', 1, ${json(body)}) ON CONFLICT DO NOTHING;`;
}).join('\n');

/**
 * Stories: lookups for the signals' windows, merge bookkeeping, and the built-in behaviour
 * patterns (editable and deactivatable like any other pattern).
 */
export const stories: Migration = {
  id: '0004-stories',
  sql: /* sql */ `
ALTER TABLE stories ADD COLUMN last_seen_at timestamptz;
ALTER TABLE stories ADD COLUMN merged_into bigint REFERENCES stories (id);
${seed}
`,
};
