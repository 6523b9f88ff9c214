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

interface Stage {
  /** FROM's image and any `AS` name. */
  from: string;
  instructions: Instruction[];
}

/** The Dockerfile's stages (comments dropped, continued lines joined). */
function stages(dockerfile: string): Stage[] {
  const instructions = dockerfile
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => {
      const [keyword = "", ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(" ") };
    });
  const found: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === "FROM") found.push({ from: instruction.args, instructions: [] });
    else found.at(-1)?.instructions.push(instruction);
  }
  return found;
}

/** What .dockerignore keeps out of the build context: a COPY of it would fail under docker build. */
function ignoredBy(patterns: string[], source: string) {
  return patterns.find((pattern) => new Bun.Glob(pattern).match(source) || source.startsWith(`${pattern}/`));
}

/**
 * Follows a stage's WORKDIR, COPY and RUN in `folder` as a builder would, with the stage's
 * absolute output folder `/rootfs` redirected into `folder` (no engine here; the host's root is
 * not the test's to write).
 */
function followStage(stage: Instruction[], folder: string, ignored: string[]) {
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
        const excluded = ignoredBy(ignored, source);
        if (excluded) throw new Error(`COPY ${source}: .dockerignore leaves it out (${excluded})`);
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
    const ignored = readFileSync(join(ROOT, ".dockerignore"), "utf8")
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith("#"));
    // The host's Bun follows the build stage, so it must be the one the image builds with.
    expect(build?.from).toBe(`oven/bun:${Bun.version} AS build`);
    expect(run?.instructions.find((instruction) => instruction.keyword === "COPY")?.args).toMatch(/^--from=build .*\/rootfs\/ \/$/);
    followStage(build?.instructions ?? [], folder, ignored);
    const binary = join(folder, "rootfs/signup-service");
    expect(statSync(join(folder, "rootfs/data")).isDirectory()).toBe(true);
    const version = Bun.spawnSync([binary, "--version"], { cwd: folder });
    expect(version.exitCode).toBe(0);
    expect(version.stdout.toString().trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
