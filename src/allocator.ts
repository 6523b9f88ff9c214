import { readFileSync, statSync } from "node:fs";

/**
 * How long Bun's allocator (mimalloc) keeps freed memory before giving it back to the kernel.
 *
 * Each argon2id hash allocates its 19 MiB block afresh. With Bun's mimalloc default (100 ms), a hash
 * thread that is idle for longer than that returns the block, and the next hash faults all of it
 * in again: measured here, a hash started 100 ms after the previous one took 90 ms (60 ms user,
 * 35 ms system) against 29 ms back to back, so at the seed's light load every signup paid about
 * three hashes. Kept for a second, the block stays mapped while signups keep coming and is still
 * returned within a second of the last one (ARCHITECTURE.md, "The hot path, measured").
 */
const PURGE_DELAY = { name: "MIMALLOC_PURGE_DELAY", valueMs: "1000" } as const;

export type AllocatorSetting = { applied: true } | { applied: false; reason: string };

/**
 * A profiler or an inspector signals the JavaScript thread while it runs; one such signal sent as
 * the process replaces itself reaches the new image before it has a handler, and ends it.
 */
const SIGNALLING_FLAGS = ["--cpu-prof", "--heap-prof", "--inspect"];

/**
 * NUL-terminated entries of a /proc file, as the kernel gave them to this process: an empty
 * argument stays one, only the empty piece after the last NUL goes.
 */
export function procEntries(file: string): string[] {
  return readFileSync(file, "latin1").split("\0").slice(0, -1);
}

/** The auxiliary vector's entry for the path the kernel started this process from (`AT_EXECFN`). */
const AT_EXECFN = 31;

/**
 * The file to run again: the path this process was started from (`startedFrom`, the kernel's own
 * record of it), so that the new image keeps its name. The kernel names a process after the last
 * part of that path: restarted through /proc/self/exe, `ps` and `top` showed "exe" and
 * `pgrep signup-service` found nothing. Only a path that still is this very file (same device and
 * inode) is used; /proc/self/exe otherwise (the file replaced or removed since the start).
 */
export function restartPath(startedFrom: string | undefined): string {
  if (!startedFrom) return "/proc/self/exe";
  try {
    const running = statSync("/proc/self/exe", { bigint: true });
    const found = statSync(startedFrom, { bigint: true });
    if (found.dev === running.dev && found.ino === running.ino) return startedFrom;
  } catch {
    // Not there any more, or not reachable: not this file.
  }
  return "/proc/self/exe";
}

/**
 * mimalloc reads its options once, when the process starts, so the setting must be in the
 * environment before that: when it is missing, the process replaces itself (execve: same pid,
 * same arguments, same environment plus the setting) before anything else has started. An
 * operator's own MIMALLOC_PURGE_DELAY in the environment is kept as it is. Returns only when no restart happened.
 */
export async function restartWithAllocatorSetting(): Promise<AllocatorSetting> {
  if (process.platform !== "linux") return { applied: false, reason: `${process.platform} has no /proc/self to restart from` };
  // The environment the process started with, not process.env: Bun adds a .env file's values to
  // process.env after mimalloc has read its options, so one set there would never take effect.
  const startEnvironment = procEntries("/proc/self/environ");
  if (startEnvironment.some((entry) => entry.startsWith(`${PURGE_DELAY.name}=`))) return { applied: true };
  const signalling = process.execArgv.find((flag) => SIGNALLING_FLAGS.some((prefix) => flag.startsWith(prefix)));
  if (signalling) return { applied: false, reason: `started with ${signalling}` };
  try {
    const { CString, dlopen, FFIType, ptr } = await import("bun:ffi");
    const argv = procEntries("/proc/self/cmdline");
    const environment = [...startEnvironment, `${PURGE_DELAY.name}=${PURGE_DELAY.valueMs}`];
    const strings = [...argv, ...environment].map((entry) => Buffer.from(`${entry}\0`, "latin1"));
    const pointers = (list: Buffer[]) => {
      const array = new BigUint64Array(list.length + 1);
      list.forEach((buffer, index) => {
        array[index] = BigInt(ptr(buffer));
      });
      return array;
    };
    const argvPointers = pointers(strings.slice(0, argv.length));
    const environmentPointers = pointers(strings.slice(argv.length));
    const libc = dlopen("libc.so.6", {
      execve: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
      getauxval: { args: [FFIType.u64], returns: FFIType.ptr },
    });
    const startedFromPointer = libc.symbols.getauxval(AT_EXECFN);
    const startedFrom = startedFromPointer ? new CString(startedFromPointer).toString() : undefined;
    const tried: string[] = [];
    // /proc/self/exe as a second try: the start path may be the same file yet not executable from
    // there (a noexec mount of it); a failed execve leaves this process as it was.
    for (const path of new Set([restartPath(startedFrom), "/proc/self/exe"])) {
      const executable = Buffer.from(`${path}\0`, "latin1");
      libc.symbols.execve(ptr(executable), ptr(argvPointers), ptr(environmentPointers));
      tried.push(path);
    }
    // execve returns only when it failed; `strings` was kept alive until here on purpose.
    return { applied: false, reason: `execve of ${tried.join(" and of ")} failed` };
  } catch (error) {
    return { applied: false, reason: error instanceof Error ? error.message : String(error) };
  }
}
