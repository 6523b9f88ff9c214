/**
 * Writes the common-password list's fingerprints (sorted float64s, see `FingerprintList`), which
 * the service embeds and reads as they are. Run by `postinstall` and `build`, so they always match
 * the installed list and the fold the policy applies to a candidate.
 */
import { fingerprintInstalledList } from "./installed-password-list";

const output = process.argv[2] ?? "assets/common-password-fingerprints.f64";
const list = await fingerprintInstalledList();
await Bun.write(output, list.bytes);
console.log(`wrote ${output} (${list.size} fingerprints, ${(list.bytes.byteLength / 1e6).toFixed(1)} MB)`);
