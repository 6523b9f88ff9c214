import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { procEntries, restartPath } from "../../src/allocator";

describe("the path the service restarts itself from", () => {
  const running = realpathSync("/proc/self/exe");
  const scratch = mkdtempSync(join(tmpdir(), "signup-restart-path-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  test("is the path it was started from when that is this very file, so the process keeps its name", () => {
    expect(restartPath(running)).toBe(running);
    const link = join(scratch, "linked");
    symlinkSync(running, link);
    expect(restartPath(link)).toBe(link);
  });

  test("is /proc/self/exe when the start path is unknown or no longer this file", () => {
    const other = join(scratch, "other");
    writeFileSync(other, "#!/bin/sh\n");
    expect(restartPath(other)).toBe("/proc/self/exe");
    expect(restartPath(join(scratch, "gone"))).toBe("/proc/self/exe");
    expect(restartPath(join(other, "not-a-folder"))).toBe("/proc/self/exe");
    expect(restartPath("")).toBe("/proc/self/exe");
    expect(restartPath(undefined)).toBe("/proc/self/exe");
  });
});

describe("the entries of a /proc file the restart passes on", () => {
  test("keep an empty argument; an empty file has none", () => {
    const scratch = mkdtempSync(join(tmpdir(), "signup-proc-entries-"));
    try {
      writeFileSync(join(scratch, "cmdline"), "signup-service\0\0serve\0");
      expect(procEntries(join(scratch, "cmdline"))).toEqual(["signup-service", "", "serve"]);
      writeFileSync(join(scratch, "environ"), "");
      expect(procEntries(join(scratch, "environ"))).toEqual([]);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
