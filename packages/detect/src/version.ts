/**
 * Version of the detection logic as a whole, recorded on every score: bump it when a change
 * here would change scores, so that a rescan knows which stored scores are stale.
 */
export const SCORER_VERSION = 'detect@1';
