import fc from 'fast-check';

/**
 * Inputs an attacker or a broken client sends: SQL and NoSQL injection, path traversal, format
 * strings, prototype keys, control characters, NUL, lone surrogates, right-to-left overrides,
 * numbers written as strings and the like. Every one must get a 4xx or be stored verbatim.
 */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  "'",
  '"',
  "' OR '1'='1",
  "'; DROP TABLE posts; --",
  '"; DROP TABLE flags; --',
  "1; DELETE FROM flag_events WHERE true; --",
  "x' UNION SELECT secret_hash FROM api_keys --",
  "$1",
  "$$; DROP TABLE scores; $$",
  "E'\\\\x00'",
  '\\',
  '%',
  '%00',
  '%ff',
  '%%%%',
  '\u0000',
  'text\u0000with NUL',
  '\ud800',
  'lone \udfff low',
  '\ufeff',
  '\u202e override',
  '\r\nSet-Cookie: x=1',
  '../../../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  '__proto__',
  'constructor',
  'prototype',
  '{"$gt": ""}',
  '${jndi:ldap://x}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  'NaN',
  'Infinity',
  '-0',
  '1e309',
  '9007199254740993',
  '-1',
  '0',
  '00000000000000000001',
  '999999999999999999999999999',
  'null',
  'true',
  '[]',
  '{}',
  '2026-02-30T00:00:00Z',
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59-14:00',
  '2026-10-21T09:00:00+99:99',
  'javascript:alert(1)',
  'http://',
  'http://[::1',
  'https://example.com/' + 'a'.repeat(3000),
  '😀'.repeat(64),
  'a\u0301'.repeat(32),
];

/** Strings of any code points, control characters included; sometimes long. */
export const anyText = (maxLength = 64): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength }) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength }) },
    { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength }) },
    { weight: 1, arbitrary: loneSurrogateText },
  );

/** Text with an unpaired UTF-16 surrogate, which is not Unicode at all. */
export const loneSurrogateText: fc.Arbitrary<string> = fc
  .tuple(fc.string({ maxLength: 10 }), fc.integer({ min: 0xd800, max: 0xdfff }), fc.string({ maxLength: 10 }))
  .map(([a, unit, b]) => `${a}${String.fromCharCode(unit)}${b}`);

/** A value of the wrong type for any field. */
export const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER + 2, -1e308, 1e308),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
  anyText(32),
);

/** A value for a field: usually of a plausible type, often hostile, sometimes the wrong type. */
export const fieldValue: fc.Arbitrary<unknown> = fc.oneof({ weight: 3, arbitrary: anyText(64) }, { weight: 1, arbitrary: wrongType });

/** Any JSON, with object keys that include prototype names. */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.dictionary(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'posts', 'updates', 'text')), fieldValue, { maxKeys: 6 }),
);

/** Text that is not empty: what an id must be. */
const someText = (maxLength: number): fc.Arbitrary<string> => anyText(maxLength).filter((s) => s.length > 0);

/** An ISO date-time of the last decades. */
const isoDate: fc.Arbitrary<string> = fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());

/**
 * A post of the right shape whose strings are hostile (SQL, NUL, lone surrogates, control
 * characters, emoji...), and then 0 to 3 of its fields set to the wrong type, over a limit, or
 * removed — so that most are valid and reach the database, and the rest probe every check.
 */
export function postLike(source: fc.Arbitrary<string>): fc.Arbitrary<Record<string, unknown>> {
  const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });
  const post = fc.record({
    source,
    externalId: fc.oneof(fc.uuid(), someText(40)),
    author: fc.record({
      id: fc.oneof(fc.uuid(), someText(20)),
      handle: optional(anyText(20)),
      createdAt: optional(isoDate),
      followers: optional(fc.nat()),
      karma: optional(fc.integer()),
    }),
    community: optional(anyText(40)),
    title: optional(anyText(80)),
    text: anyText(400),
    urls: optional(fc.array(fc.webUrl({ withQueryParameters: true, withFragments: true }), { maxLength: 4 })),
    lang: optional(anyText(8)),
    createdAt: dateTimeLike,
    engagement: optional(fc.record({ score: optional(fc.integer()), comments: optional(fc.nat()), shares: optional(fc.nat()), views: optional(fc.nat()), observedAt: optional(dateTimeLike) })),
    repostOf: optional(fc.record({ source: someText(20), externalId: someText(20) })),
  });
  const fields = ['source', 'externalId', 'author', 'author.id', 'author.createdAt', 'author.followers', 'community', 'title', 'text', 'urls', 'lang', 'createdAt', 'engagement', 'engagement.views', 'repostOf', 'unexpected'];
  const mutation = fc.tuple(fc.constantFrom(...fields), fc.oneof(wrongType, hugeString, fc.constant(undefined)));
  return fc.tuple(post, fc.array(mutation, { maxLength: 3 })).map(([value, mutations]) => {
    const mutated = dropUndefined(value) as Record<string, unknown>;
    for (const [path, replacement] of mutations) {
      const [head, tail] = path.split('.') as [string, string | undefined];
      const target = tail === undefined ? mutated : mutated[head];
      if (typeof target !== 'object' || target === null) continue;
      const key = tail ?? head;
      if (replacement === undefined) delete (target as Record<string, unknown>)[key];
      else (target as Record<string, unknown>)[key] = replacement;
    }
    return mutated;
  });
}

function dropUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropUndefined);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, dropUndefined(v)]));
}

/** Date-times that look right, and ones that only nearly do (Feb 30, year 0, offsets out of range). */
export const dateTimeLike: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 25 }),
        fc.integer({ min: 0, max: 61 }),
        fc.constantFrom('Z', '+00:00', '-14:00', '+14:00', '+15:59', '+16:00', '+99:99', '+0530', ''),
      )
      .map(([y, mo, d, h, mi, zone]) => `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:00${zone}`),
  },
  { weight: 1, arbitrary: anyText(30) },
);

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** A string at or just over a field limit. */
export const hugeString: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(256, 257, 1_000, 1_001, 40_000, 40_001, 100_000), fc.constantFrom('a', 'é', '😀', '\u0000', ' '))
  .map(([length, unit]) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length));

/** Nesting far deeper than any schema allows: arrays, objects or both. */
export const deepNesting: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: 100, max: 20_000 }), fc.constantFrom('[', '{"a":', '{"posts":['))
  .map(([depth, open]) => {
    const close = open === '[' ? ']' : open === '{"a":' ? '}' : ']}';
    return open.repeat(depth) + '1' + close.repeat(depth);
  });

/** Bodies that are not JSON, or not UTF-8, or JSON with a trick. */
export const rawBody: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
  fc.constantFrom(
    Buffer.from([0xff, 0xfe, 0xfd]),
    Buffer.from([0x7b, 0x22, 0x74, 0x65, 0x78, 0x74, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0xed, 0xa0, 0x80, 0x22, 0x7d]),
    Buffer.from('\ufeff{"posts": []}'),
    Buffer.from('{"posts": [1,]}'),
    Buffer.from('{"__proto__": {"admin": true}, "posts": []}'),
    Buffer.from('{"constructor": {"prototype": {"admin": true}}}'),
    Buffer.from('{"a": 1, "a": 2}'),
    Buffer.from('1e999999'),
    Buffer.from('"' + '\\u0000'.repeat(100) + '"'),
    Buffer.from('null'),
    Buffer.from(''),
  ),
  deepNesting.map((s) => Buffer.from(s)),
  fc.string({ unit: 'binary', maxLength: 200 }).map((s) => Buffer.from(s, 'utf8')),
);

/** Content types a client might send instead of JSON. */
export const contentType: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-16',
      'application/json; charset=latin1',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
      'application/json, text/plain',
      '',
    ),
  },
);

/**
 * A raw query string as it can travel in a request line: any printable ASCII bar space and `#`,
 * percent escapes (valid and not, UTF-8 and not, `%00`), repeated keys, bracket and prototype
 * keys.
 */
export function hostileQuery(keys: readonly string[]): fc.Arbitrary<string> {
  const key = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...(keys.length > 0 ? keys : ['q'])) }, { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor[prototype]', 'a[b][c]', '', 'x'.repeat(300)) });
  const value = fc.oneof(
    { weight: 3, arbitrary: anyText(40).map(encodeURIComponentLoosely) },
    { weight: 1, arbitrary: fc.constantFrom('', '%', '%0', '%zz', '%00', '%ff%fe', '%ed%a0%80', '%c0%af', '-1', '1e309', 'NaN', '0x10', '1.5', ' 1') },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 5000 }).map((n) => 'v'.repeat(n)) },
    // Times that look right and ones that only nearly do, for `from`, `to` and the like.
    { weight: 1, arbitrary: dateTimeLike.map(encodeURIComponentLoosely) },
  );
  return fc
    .array(fc.tuple(key, fc.option(value, { nil: undefined })), { maxLength: 6 })
    .map((pairs) => pairs.map(([k, v]) => (v === undefined ? encodeURIComponentLoosely(k) : `${encodeURIComponentLoosely(k)}=${v}`)).join('&'));
}

/** Percent-encodes what a request line cannot carry, leaving `%`, brackets and the like as they are. */
function encodeURIComponentLoosely(value: string): string {
  return [...Buffer.from(value, 'utf8')]
    .map((byte) => (byte > 0x20 && byte < 0x7f && byte !== 0x23 && byte !== 0x26 && byte !== 0x3d ? String.fromCharCode(byte) : `%${byte.toString(16).padStart(2, '0')}`))
    .join('');
}

/** A path segment: hostile text, percent-encoded so that it stays one segment. */
export const pathSegment: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: anyText(40).filter((s) => s.length > 0).map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '?'))) },
  { weight: 1, arbitrary: fc.constantFrom('%00', '%ff', '%2e%2e', '..', '-1', '0', '1', '99999999999999999999', '1e3', '%20', 'x'.repeat(600)) },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 10n ** 19n }).map(String) },
);

/** Cursors: valid base64url of the wrong thing, tampered, or not base64 at all. */
export const cursorLike: fc.Arbitrary<string> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null').toString('base64url')),
  fc
    .tuple(fc.constantFrom('score', 'time', 'other', 1), fc.oneof(fc.double(), fc.string(), fc.constant(null)), fc.oneof(fc.string({ maxLength: 25 }), fc.bigInt().map(String), fc.integer()))
    .map((tuple) => Buffer.from(JSON.stringify(tuple)).toString('base64url')),
  anyText(60).map(encodeURIComponentLoosely),
  fc.constantFrom('', '====', 'not-a-cursor', 'W10', 'WyJzY29yZSIsMSwiMSJd', 'WyJzY29yZSIsIk5hTiIsIjEiXQ'),
);
