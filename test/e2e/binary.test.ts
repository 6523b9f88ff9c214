import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";
import { journalTags } from "../../src/db/migrations";
import { signupAt, startService } from "../support/binary";
import { postgresUrl } from "../support/databases";
import { useBinaryInEmptyFolder, useEmptyPostgresDatabase } from "../support/suite";

// Builds the binary and starts it several times.
setDefaultTimeout(60_000);

describe("the compiled binary", () => {
  const folder = useBinaryInEmptyFolder();

  test("--version, --help and a bad setting answer as a CLI should", () => {
    const version = Bun.spawnSync([folder.binary, "--version"], { cwd: folder.dir });
    expect(version.exitCode).toBe(0);
    expect(version.stdout.toString().trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = Bun.spawnSync([folder.binary, "--help"], { cwd: folder.dir });
    expect(help.exitCode).toBe(0);
    expect(help.stdout.toString()).toContain("migrate");
    const bad = Bun.spawnSync([folder.binary], { cwd: folder.dir, env: { PORT: "not-a-port" } });
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr.toString()).toContain("PORT");
    const unknown = Bun.spawnSync([folder.binary, "frobnicate"], { cwd: folder.dir });
    expect(unknown.exitCode).toBe(2);
  });

  test("serve replaces itself once to set the allocator's purge delay (same pid, same name), and keeps an operator's own", async () => {
    const nameOf = (pid: number) => readFileSync(`/proc/${pid}/comm`, "latin1").trim();
    const environOf = (pid: number) => readFileSync(`/proc/${pid}/environ`, "latin1").split("\0");
    const cmdlineOf = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\0").filter(Boolean);
    const restarted = await startService(folder.binary, { cwd: folder.dir, env: { DATA_DIR: "memory://" } });
    const pid = restarted.process.pid;
    expect(environOf(pid)).toContain("MIMALLOC_PURGE_DELAY=1000");
    expect(cmdlineOf(pid)).toEqual([folder.binary]);
    // What ps, top and pgrep show: restarted from /proc/self/exe, it was "exe".
    expect(nameOf(pid)).toBe("signup-service");
    expect(restarted.lines.join("\n")).not.toContain("could not restart");
    expect((await signupAt(restarted.url, "allocator@example.com")).status).toBe(201);
    expect(await restarted.stop()).toBe(0);

    // Found by a shell in PATH, by its bare name: the same name once restarted.
    const fromPath = await startService("/bin/sh", {
      cwd: folder.dir,
      args: ["-c", "exec signup-service"],
      env: { DATA_DIR: "memory://", PATH: `${folder.dir}:/usr/bin:/bin` },
    });
    expect(environOf(fromPath.process.pid)).toContain("MIMALLOC_PURGE_DELAY=1000");
    expect(nameOf(fromPath.process.pid)).toBe("signup-service");
    expect(await fromPath.stop()).toBe(0);

    const own = await startService(folder.binary, { cwd: folder.dir, env: { DATA_DIR: "memory://", MIMALLOC_PURGE_DELAY: "50" } });
    expect(environOf(own.process.pid).filter((entry) => entry.startsWith("MIMALLOC_PURGE_DELAY="))).toEqual(["MIMALLOC_PURGE_DELAY=50"]);
    expect(await own.stop()).toBe(0);

    // A .env file is read after the allocator has taken its options: its value cannot count, so the restart still happens.
    const dotEnv = join(folder.dir, ".env");
    writeFileSync(dotEnv, "MIMALLOC_PURGE_DELAY=50\n");
    try {
      const fromDotEnv = await startService(folder.binary, { cwd: folder.dir, env: { DATA_DIR: "memory://" } });
      expect(environOf(fromDotEnv.process.pid)).toContain("MIMALLOC_PURGE_DELAY=1000");
      expect(await fromDotEnv.stop()).toBe(0);
    } finally {
      rmSync(dotEnv);
    }
  });

  test("alone in an empty folder it serves on the embedded database, and keeps its data across restarts", async () => {
    const first = await startService(folder.binary, { cwd: folder.dir });
    expect(first.lines.join("\n")).toContain("using the embedded database (PGlite)");
    const created = await signupAt(first.url, "binary@example.com");
    expect(created.status).toBe(201);
    const user = (await created.json()) as { id: string };
    expect((await fetch(`${first.url}/users/${user.id}`)).status).toBe(200);
    // The common-password list is embedded: refused with nothing beside the binary.
    const common = await fetch(`${first.url}/signup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Ana", email: "common@example.com", password: "P@ssw0rd1", display_name: "Ana G" }),
    });
    expect(common.status).toBe(422);
    expect(((await common.json()) as { errors: unknown[] }).errors).toContainEqual(expect.objectContaining({ rule: "common" }));
    expect(await first.stop()).toBe(0);

    const second = await startService(folder.binary, { cwd: folder.dir });
    const read = await fetch(`${second.url}/users/${user.id}`);
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual(user as never);
    expect(await second.stop()).toBe(0);
    expect(await Bun.file(join(folder.dir, "data", "PG_VERSION")).exists()).toBe(true);
  });
});

describe.skipIf(!postgresUrl)("the compiled binary on PostgreSQL", () => {
  const folder = useBinaryInEmptyFolder();
  const database = useEmptyPostgresDatabase();

  test("two copies started together on a fresh database both come up and share it", async () => {
    const env = { DATABASE_URL: database.url };
    const [a, b] = await Promise.all([
      startService(folder.binary, { cwd: folder.dir, env }),
      startService(folder.binary, { cwd: folder.dir, env }),
    ]);
    try {
      expect(a.lines.join("\n")).toContain("using PostgreSQL");
      const created = await signupAt(a.url, "twin@example.com");
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      expect((await fetch(`${b.url}/users/${id}`)).status).toBe(200);
      expect((await signupAt(b.url, "TWIN@example.com")).status).toBe(409);
    } finally {
      expect(await a.stop()).toBe(0);
      expect(await b.stop()).toBe(0);
    }
    const sql = postgres(database.url, { max: 1 });
    const applied = await sql`select count(*)::int as n from drizzle.__drizzle_migrations`;
    await sql.end();
    // Each migration once, though both copies migrated at the same moment.
    expect(applied[0]!.n).toBe(journalTags.length);
  });

  test("`migrate` applies migrations and exits 0; a second run is a no-op", () => {
    for (let run = 0; run < 2; run++) {
      const result = Bun.spawnSync([folder.binary, "migrate"], { cwd: folder.dir, env: { DATABASE_URL: database.url } });
      expect(result.exitCode).toBe(0);
      expect(result.stdout.toString()).toContain("migrations applied");
    }
  });
});
