import { fmix32 } from './shingles.js';

export interface LshOptions {
  /**
   * Number of bands. Default 64.
   *
   * With `r` rows per band, two texts of Jaccard similarity `J` share a bucket with probability
   * `1 − (1 − J^r)^bands`. At 64 × 2 that is 0.93 at J = 0.2 (a 25-word post inside a
   * 120-word passage), 0.997 at J = 0.3 and 0.47 at J = 0.1, while unrelated texts (J < 0.02)
   * meet in under 3% of pairs.
   */
  bands?: number;
  /** Signature positions per band. Default 2. */
  rows?: number;
}

export const DEFAULT_LSH_BANDS = 64;
export const DEFAULT_LSH_ROWS = 2;

function checkShape(sig: Uint32Array, bands: number, rows: number): void {
  if (!Number.isInteger(bands) || bands < 1 || !Number.isInteger(rows) || rows < 1) {
    throw new RangeError(`bands and rows must be positive integers (got ${bands} × ${rows})`);
  }
  if (sig.length < bands * rows) throw new RangeError(`signature of ${sig.length} values is too short for ${bands} bands × ${rows} rows`);
}

/**
 * The bucket key of each band of a signature, `band:v1.v2…` with the values in base 36. Keys
 * are exact (no hashing), so an index kept elsewhere (the story index's Redis sets) has no
 * false bucket collisions, and the same signature always gives the same keys.
 */
export function bandKeys(sig: Uint32Array, bands = DEFAULT_LSH_BANDS, rows = DEFAULT_LSH_ROWS): string[] {
  checkShape(sig, bands, rows);
  const keys = new Array<string>(bands);
  for (let band = 0; band < bands; band++) {
    let key = `${band}:`;
    for (let r = 0; r < rows; r++) key += (r === 0 ? '' : '.') + sig[band * rows + r]!.toString(36);
    keys[band] = key;
  }
  return keys;
}

/** An in-memory LSH index over MinHash signatures: finds the ids whose signature shares a band with a query. */
export class LshIndex<Id = string> {
  readonly bands: number;
  readonly rows: number;
  /** Per band: band hash → ids in that bucket. A false hash collision only adds a candidate, which is verified later. */
  private readonly buckets: Map<number, Set<Id>>[];
  private readonly entries = new Map<Id, Int32Array>();

  constructor(options: LshOptions = {}) {
    this.bands = options.bands ?? DEFAULT_LSH_BANDS;
    this.rows = options.rows ?? DEFAULT_LSH_ROWS;
    checkShape(new Uint32Array(this.bands * this.rows), this.bands, this.rows);
    this.buckets = Array.from({ length: this.bands }, () => new Map<number, Set<Id>>());
  }

  get size(): number {
    return this.entries.size;
  }

  /** Adds or replaces the signature of `id`. */
  add(id: Id, sig: Uint32Array): void {
    checkShape(sig, this.bands, this.rows);
    if (this.entries.has(id)) this.remove(id);
    const hashes = this.bandHashes(sig);
    for (let band = 0; band < this.bands; band++) {
      const buckets = this.buckets[band]!;
      const h = hashes[band]!;
      let bucket = buckets.get(h);
      if (!bucket) {
        bucket = new Set();
        buckets.set(h, bucket);
      }
      bucket.add(id);
    }
    this.entries.set(id, hashes);
  }

  /** Removes `id`; returns whether it was there. */
  remove(id: Id): boolean {
    const hashes = this.entries.get(id);
    if (!hashes) return false;
    for (let band = 0; band < this.bands; band++) {
      const buckets = this.buckets[band]!;
      const bucket = buckets.get(hashes[band]!);
      if (!bucket) continue;
      bucket.delete(id);
      if (bucket.size === 0) buckets.delete(hashes[band]!);
    }
    this.entries.delete(id);
    return true;
  }

  /** Ids sharing at least one band with `sig`, those sharing most bands (the likeliest matches) first. */
  query(sig: Uint32Array): Id[] {
    checkShape(sig, this.bands, this.rows);
    const hashes = this.bandHashes(sig);
    const hits = new Map<Id, number>();
    for (let band = 0; band < this.bands; band++) {
      const bucket = this.buckets[band]!.get(hashes[band]!);
      if (!bucket) continue;
      for (const id of bucket) hits.set(id, (hits.get(id) ?? 0) + 1);
    }
    return [...hits].sort((x, y) => y[1] - x[1]).map(([id]) => id);
  }

  /** 30-bit band hashes: small integers are V8 Smis, which Maps hash and compare fastest. */
  private bandHashes(sig: Uint32Array): Int32Array {
    const out = new Int32Array(this.bands);
    const rows = this.rows;
    for (let band = 0; band < this.bands; band++) {
      let h = band;
      for (let r = 0; r < rows; r++) h = Math.imul(h ^ sig[band * rows + r]!, 0x9e3779b1) + 0x7f4a7c15;
      out[band] = fmix32(h) & 0x3fffffff;
    }
    return out;
  }
}
