export const URL_MATCH_SCORER = { name: 'url-match', version: '1' } as const;

/** Value 1 when one of the post's URL keys is one of the pattern's (both from `normalizeUrl`), with the keys that matched. */
export function urlMatch(postUrlKeys: readonly string[], patternUrlKeys: ReadonlySet<string>): { value: 0 | 1; matched: string[] } {
  const matched = [...new Set(postUrlKeys.filter((key) => patternUrlKeys.has(key)))];
  return { value: matched.length > 0 ? 1 : 0, matched };
}
