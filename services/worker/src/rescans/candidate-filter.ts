import { fmix32 } from '@undertow/detect';

/**
 * Answers, from a post's stored MinHash signature alone, whether any passage could be a
 * near-duplicate candidate for it: whether the two signatures agree at some position. The
 * pattern index bands passages one row per band, so that is exactly when the index would make
 * the passage a candidate; a post for which this answers false gets no near-duplicate signal,
 * and its text need not be read, tokenised or shingled.
 *
 * An open-addressing table of (position, value) pairs: about 0.5 µs for a 128-value signature,
 * against tens of microseconds to recompute the post's features.
 */
export class LexicalCandidateFilter {
  private readonly values: Uint32Array;
  /** Signature position of each slot; -1 for an empty slot. */
  private readonly positions: Int32Array;
  private readonly mask: number;
  readonly size: number;

  constructor(signatures: Iterable<Uint32Array | null>) {
    const all = [...signatures].filter((s): s is Uint32Array => s !== null && s.length > 0);
    const entries = all.reduce((n, s) => n + s.length, 0);
    // At most half full, so that a miss ends after about two probes.
    let capacity = 16;
    while (capacity < entries * 2) capacity *= 2;
    this.values = new Uint32Array(capacity);
    this.positions = new Int32Array(capacity).fill(-1);
    this.mask = capacity - 1;
    let size = 0;
    for (const signature of all) {
      for (let position = 0; position < signature.length; position++) {
        const value = signature[position]!;
        let slot = this.slot(position, value);
        for (;;) {
          const at = this.positions[slot]!;
          if (at === -1) {
            this.positions[slot] = position;
            this.values[slot] = value;
            size++;
            break;
          }
          if (at === position && this.values[slot] === value) break;
          slot = (slot + 1) & this.mask;
        }
      }
    }
    this.size = size;
  }

  /** Whether `signature` agrees with some indexed signature at some position. */
  mayMatch(signature: Uint32Array): boolean {
    if (this.size === 0) return false;
    const { positions, values, mask } = this;
    for (let position = 0; position < signature.length; position++) {
      const value = signature[position]!;
      let slot = this.slot(position, value);
      for (;;) {
        const at = positions[slot]!;
        if (at === -1) break;
        if (at === position && values[slot] === value) return true;
        slot = (slot + 1) & mask;
      }
    }
    return false;
  }

  private slot(position: number, value: number): number {
    return fmix32((value ^ Math.imul(position + 1, 0x9e3779b1)) >>> 0) & this.mask;
  }
}
