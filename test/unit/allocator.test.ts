import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { restartPath } from "../../src/allocator";

describe("the path the service restarts itself from", () => {
  const running = realpathSync("/proc/self/exe");
  const name = basename(running);
  const scratch = mkdtempSync(join(tmpdir(), "signup-restart-path-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  test("is the path it was started by when that is this very file, so the process keeps its name", () => {
    expect(restartPath(running, undefined)).toBe(running);
    const link = join(scratch, "linked");
    symlinkSync(running, link);
    expect(restartPath(link, undefined)).toBe(link);
  });

  test("is found in the search path as the shell found it, past entries that are not this file", () => {
    const impostorFolder = join(scratch, "impostor");
    mkdirSync(impostorFolder);
    const impostor = join(impostorFolder, name);
    writeFileSync(impostor, "#!/bin/sh\n");
    // A missing folder, a file where a folder should be, another file of the same name, an empty entry.
    const searchPath = [join(scratch, "missing"), impostor, impostorFolder, "", dirname(running)].join(":");
    expect(restartPath(name, searchPath)).toBe(join(dirname(running), name));
  });

  test("is /proc/self/exe when the start path no longer is this file", () => {
    const other = join(scratch, "other");
    writeFileSync(other, "#!/bin/sh\n");
    expect(restartPath(other, undefined)).toBe("/proc/self/exe");
    expect(restartPath(join(scratch, "gone"), undefined)).toBe("/proc/self/exe");
    expect(restartPath(name, join(scratch, "missing"))).toBe("/proc/self/exe");
    expect(restartPath(name, undefined)).toBe("/proc/self/exe");
  });
});
