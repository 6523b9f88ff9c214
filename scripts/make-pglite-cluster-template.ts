/**
 * Writes the PGlite cluster template: an empty, initialised cluster as a tarball. The service loads it on the first
 * start of a new data directory instead of running initdb (about 1 GB and seconds); the build
 * embeds it in the binary. Run by `postinstall` and `build`, so it always matches the installed PGlite.
 */
import { PGlite } from "@electric-sql/pglite";

const output = process.argv[2] ?? "assets/pglite-cluster-template.tar.gz";
const pglite = await PGlite.create("memory://");
await pglite.exec("CHECKPOINT");
const tarball = await pglite.dumpDataDir("gzip");
await pglite.close();
await Bun.write(output, tarball);
console.log(`wrote ${output} (${(tarball.size / 1e6).toFixed(1)} MB)`);
