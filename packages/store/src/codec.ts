/**
 * Conversions between JavaScript values and column values that both drivers agree on.
 *
 * Binary values of a batch travel as one bytea parameter (`packWords`) that SQL slices per row
 * with `substring(blob FROM offset + 1 FOR length)`: PostgreSQL parses an array literal of
 * hex strings a character at a time, which for 1000 MinHash signatures costs more than the
 * rest of the insert. Both drivers return bytea as a Uint8Array.
 */

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Little-endian bytes of a Uint32 or Float32 array. */
export function toBytes(values: Uint32Array | Float32Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  const out = Buffer.allocUnsafe(values.length * 4);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let i = 0; i < values.length; i++) {
    if (values instanceof Float32Array) view.setFloat32(i * 4, values[i]!, true);
    else view.setUint32(i * 4, values[i]!, true);
  }
  return out;
}

export interface PackedWords {
  /** Every item's little-endian bytes, one after another. */
  blob: Buffer;
  /** Each item's byte offset in `blob`; null for a null item. */
  offsets: (number | null)[];
  /** Each item's length in bytes; null for a null item. */
  lengths: (number | null)[];
}

/** Packs a batch's binary values into one parameter; see the note at the top. */
export function packWords(items: readonly (Uint32Array | Float32Array | null)[]): PackedWords {
  const chunks: Buffer[] = [];
  const offsets: (number | null)[] = [];
  const lengths: (number | null)[] = [];
  let offset = 0;
  for (const item of items) {
    if (item === null) {
      offsets.push(null);
      lengths.push(null);
      continue;
    }
    const bytes = toBytes(item);
    chunks.push(bytes);
    offsets.push(offset);
    lengths.push(bytes.byteLength);
    offset += bytes.byteLength;
  }
  return { blob: Buffer.concat(chunks, offset), offsets, lengths };
}

export function toUint32Array(bytes: Uint8Array): Uint32Array {
  checkWordLength(bytes);
  // The copy starts the data at offset 0 of its own buffer, which a 32-bit view needs.
  if (LITTLE_ENDIAN) return new Uint32Array(new Uint8Array(bytes).buffer);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Uint32Array(bytes.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getUint32(i * 4, true);
  return out;
}

export function toFloat32Array(bytes: Uint8Array): Float32Array {
  checkWordLength(bytes);
  if (LITTLE_ENDIAN) return new Float32Array(new Uint8Array(bytes).buffer);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

function checkWordLength(bytes: Uint8Array): void {
  if (bytes.byteLength % 4 !== 0) throw new Error(`binary column of ${bytes.byteLength} bytes is not a whole number of 32-bit words`);
}

/** Both drivers return timestamptz as a Date; the domain speaks ISO 8601 strings. */
export function isoString(value: Date | string): string {
  return value instanceof Date ? value.toISOString() : new Date(value).toISOString();
}

export function isoOrNull(value: Date | string | null): string | null {
  return value === null ? null : isoString(value);
}

/** bigint columns arrive as strings (ids keep their precision); counts fit in a double. */
export function numberOrNull(value: string | number | null): number | null {
  return value === null ? null : Number(value);
}

const ID = /^[1-9][0-9]{0,18}$/;

/** Whether `value` can be a bigint identity id; lets look-ups of junk ids answer "absent" instead of failing. */
export function isId(value: string): boolean {
  return ID.test(value) && (value.length < 19 || value <= '9223372036854775807');
}
