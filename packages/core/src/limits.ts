/** Hard limits on what the APIs accept; documented in the README. */
export const LIMITS = {
  postsPerBatch: 1000,
  engagementUpdatesPerBatch: 5000,
  textChars: 40_000,
  titleChars: 1_000,
  urlsPerPost: 50,
  urlChars: 2_048,
  idChars: 256,
  communityChars: 256,
  patternTextChars: 2_000_000,
  patternExamples: 200,
  patternUrls: 500,
  tagsPerPattern: 50,
  noteChars: 10_000,
} as const;
