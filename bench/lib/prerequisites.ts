// wrk, Locust and matplotlib come from Debian; as root with apt-get the bench installs whichever is missing.
import { existsSync } from "node:fs";
import { log } from "./log.ts";
import { mustRun } from "./process.ts";

/** The system python first: Debian's python3-matplotlib lands there, not in a virtualenv on PATH. */
function pythonWithMatplotlib() {
  return ["/usr/bin/python3", Bun.which("python3")].find(
    (p): p is string => !!p && existsSync(p) && Bun.spawnSync([p, "-c", "import matplotlib"]).exitCode === 0,
  );
}

/** Installs the Debian packages named, when there are any (as root with apt-get, unless BENCH_NO_INSTALL=1). */
export async function installMissing(missing: string[]) {
  if (missing.length > 0) {
    if (process.env.BENCH_NO_INSTALL === "1" || process.getuid?.() !== 0 || !Bun.which("apt-get")) {
      throw new Error(`missing: ${missing.join(" ")}; install them (apt-get install -y ${missing.join(" ")})`);
    }
    log(`installing ${missing.join(" ")} (apt-get; BENCH_NO_INSTALL=1 to refuse)`);
    const aptEnv = { env: { DEBIAN_FRONTEND: "noninteractive" } };
    await mustRun(["apt-get", "update", "-qq"], aptEnv);
    await mustRun(["apt-get", "install", "-y", "-qq", "--no-install-recommends", ...missing], aptEnv);
  }
}

/** Installs what is missing and returns the python that draws the chart. */
export async function ensureTools() {
  const missing: string[] = [];
  if (!Bun.which("wrk")) missing.push("wrk");
  if (!Bun.which("locust")) missing.push("python3-locust");
  if (!pythonWithMatplotlib()) missing.push("python3-matplotlib");
  await installMissing(missing);
  const python = pythonWithMatplotlib();
  if (!python) throw new Error("matplotlib is still not importable after installing python3-matplotlib");
  return python;
}
