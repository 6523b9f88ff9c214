import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";

// Installs the dependencies (from Bun's cache) and builds the binary in an empty folder.
setDefaultTimeout(180_000);

const ROOT = join(import.meta.dir, "../..");

interface Instruction {
  keyword: string;
  args: string;
}

/** The Dockerfile's stages, each its instructions after FROM (comments dropped, continued lines joined). */
function stages(dockerfile: string): Instruction[][] {
  const instructions = dockerfile
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => {
      const [keyword = "", ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(" ") };
    });
  const found: Instruction[][] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === "FROM") found.push([]);
    else found.at(-1)?.push(instruction);
  }
  return found;
}

/**
 * Follows a stage's WORKDIR, COPY and RUN in `folder` as a builder would, with the stage's
 * absolute output folder `/rootfs` redirected into `folder` (no engine here; the host's root is
 * not the test's to write).
 */
function followStage(stage: Instruction[], folder: string) {
  let workdir = folder;
  for (const { keyword, args } of stage) {
    if (keyword === "WORKDIR") {
      workdir = join(folder, args);
      mkdirSync(workdir, { recursive: true });
    } else if (keyword === "COPY") {
      const parts = args.split(/\s+/);
      const destination = join(workdir, parts.at(-1) ?? ".");
      const sources = parts.slice(0, -1);
      for (const source of sources) {
        const into = parts.at(-1)?.endsWith("/") || sources.length > 1 ? join(destination, basename(source)) : destination;
        cpSync(join(ROOT, source), into, { recursive: true });
      }
    } else if (keyword === "RUN") {
      const command = args.replaceAll("/rootfs", join(folder, "rootfs"));
      const run = Bun.spawnSync(["sh", "-c", command], { cwd: workdir, stdout: "pipe", stderr: "pipe" });
      if (run.exitCode !== 0) throw new Error(`RUN ${args} failed (${run.exitCode}):\n${run.stderr.toString().slice(-2000)}`);
    } else {
      throw new Error(`the build stage has a ${keyword}, which this test does not follow`);
    }
  }
}

describe("the Dockerfile", () => {
  const folder = mkdtempSync(join(tmpdir(), "signup-dockerfile-"));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  test("its build stage, followed step by step from an empty folder, makes the binary the image runs", () => {
    const [build, run] = stages(readFileSync(join(ROOT, "Dockerfile"), "utf8"));
    expect(build).toBeDefined();
    expect(run?.find((instruction) => instruction.keyword === "COPY")?.args).toMatch(/^--from=build .*\/rootfs\/ \/$/);
    followStage(build ?? [], folder);
    const binary = join(folder, "rootfs/signup-service");
    expect(statSync(join(folder, "rootfs/data")).isDirectory()).toBe(true);
    const version = Bun.spawnSync([binary, "--version"], { cwd: folder });
    expect(version.exitCode).toBe(0);
    expect(version.stdout.toString().trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
