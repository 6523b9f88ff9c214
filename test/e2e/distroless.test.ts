import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { BINARY, buildBinary, startService } from "../support/binary";
import { createEmptyPostgresDatabase, postgresUrl } from "../support/databases";

// Builds the binary and starts it in a bare root.
setDefaultTimeout(60_000);

/** distroless's `nonroot` user. */
const NONROOT = 65532;

/**
 * What gcr.io/distroless/base gives the binary: an empty root holding the binary and the libraries
 * `ldd` names, run as uid 65532, with /proc mounted (a container runtime mounts it; Bun needs it)
 * inside a private mount namespace so nothing leaks to the host.
 */
function bareRoot(): string {
  const root = mkdtempSync(join(tmpdir(), "signup-distroless-"));
  chmodSync(root, 0o755);
  copyFileSync(BINARY, join(root, "signup-service"));
  chmodSync(join(root, "signup-service"), 0o755);
  const ldd = Bun.spawnSync(["ldd", BINARY]).stdout.toString();
  for (const library of ldd.match(/\/\S+/g) ?? []) {
    mkdirSync(join(root, dirname(library)), { recursive: true });
    copyFileSync(library, join(root, library));
  }
  mkdirSync(join(root, "proc"));
  mkdirSync(join(root, "data"));
  chownSync(join(root, "data"), NONROOT, NONROOT);
  return root;
}

/** A launcher script: the command runs as PID of this process after `exec`, so signals reach it. */
async function chrooted(root: string): Promise<string> {
  const launcher = join(dirname(root), `${root.split("/").pop()}-run.sh`);
  await Bun.write(
    launcher,
    `#!/bin/sh\nexec unshare -m --propagation private sh -c 'mount -t proc proc "$0/proc" && exec chroot --userspec=${NONROOT}:${NONROOT} "$0" /signup-service "$@"' "${root}" "$@"\n`,
  );
  chmodSync(launcher, 0o755);
  return launcher;
}

describe("the binary in a bare root as nonroot (what distroless provides)", () => {
  let root: string;
  let launcher: string;

  beforeAll(async () => {
    await buildBinary();
    root = bareRoot();
    launcher = await chrooted(root);
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(launcher, { force: true });
  });

  test("the root holds only the binary, its libraries and the mount points", () => {
    const top = readdirSync(root).sort();
    expect(top.filter((entry) => !["lib", "lib64", "usr", "proc", "data"].includes(entry))).toEqual(["signup-service"]);
  });

  const serveAndCheck = async (env: Record<string, string>) => {
    const service = await startService(launcher, { cwd: root, env });
    try {
      const created = await fetch(`${service.url}/signup`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          name: "Ana",
          email: `distroless-${Date.now()}@example.com`,
          password: "Velero-Azul-27",
          display_name: "Ana G",
        }),
      });
      expect(created.status).toBe(201);
      // The allocator setting's restart needs only libc and /proc, both in the bare root.
      expect(service.lines.join("\n")).not.toContain("could not restart");
      const inside = Bun.spawnSync([launcher, "healthcheck"], { env: { PATH: process.env.PATH ?? "", PORT: new URL(service.url).port } });
      expect(inside.exitCode).toBe(0);
      expect(inside.stdout.toString()).toContain("healthy");
    } finally {
      expect(await service.stop()).toBe(0);
    }
  };

  test("serves on the embedded database, and `healthcheck` works inside", async () => {
    await serveAndCheck({ DATA_DIR: "/data" });
    expect(readdirSync(join(root, "data"))).toContain("PG_VERSION");
  });

  test.skipIf(!postgresUrl)("serves on PostgreSQL, and `healthcheck` works inside", async () => {
    const database = await createEmptyPostgresDatabase();
    try {
      await serveAndCheck({ DATABASE_URL: database.url });
    } finally {
      await database.drop();
    }
  });
});
