import { describe, expect, test } from "bun:test";
import { EVENT_LOOP, groupThreads, POOL_HASH_THREADS, perEach, threadTimes, threadTimesSince } from "../../bench/lib/threads.ts";

const thread = (group: string, run_ms: number, wait_ms: number, slices: number) => ({ group, run_ms, wait_ms, slices });

describe("threadTimesSince", () => {
  test("adds up a group's threads over the window; a thread started in it counts from zero", () => {
    const before = new Map([
      ["10", thread(EVENT_LOOP, 100, 10, 50)],
      ["11", thread(POOL_HASH_THREADS, 40, 4, 8)],
    ]);
    const after = new Map([
      ["10", thread(EVENT_LOOP, 130, 25, 80)],
      ["11", thread(POOL_HASH_THREADS, 90, 9, 18)],
      ["12", thread(POOL_HASH_THREADS, 30, 2, 6)],
    ]);
    expect(threadTimesSince(before, after)).toEqual({
      [EVENT_LOOP]: { run_ms: 30, wait_ms: 15, slices: 30 },
      [POOL_HASH_THREADS]: { run_ms: 80, wait_ms: 7, slices: 16 },
    });
  });

  test("per hash divides every figure; nothing to divide gives nothing", () => {
    expect(perEach({ run_ms: 80, wait_ms: 8, slices: 16 }, 4)).toEqual({ run_ms: 20, wait_ms: 2, slices: 4 });
    expect(perEach({ run_ms: 80, wait_ms: 8, slices: 16 }, 0)).toBeUndefined();
    expect(perEach(undefined, 4)).toBeUndefined();
  });
});

describe("threadTimes", () => {
  test("reads this process's threads, its own as the event loop, and Bun's pool after a hash", async () => {
    await Bun.password.hash("a password for the pool", { algorithm: "argon2id", memoryCost: 1024, timeCost: 1 });
    const groups = groupThreads(threadTimes(process.pid));
    expect(groups[EVENT_LOOP]?.run_ms).toBeGreaterThan(0);
    expect(groups[POOL_HASH_THREADS]?.run_ms).toBeGreaterThan(0);
    expect(threadTimes(2 ** 22 + 1).size).toBe(0);
  });
});
