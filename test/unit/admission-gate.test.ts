import { describe, expect, test } from "bun:test";
import { AdmissionGate, GateFullError } from "../../src/users/admission-gate";

/** A task the test finishes by hand. */
function controllable<T = string>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets the gate's internal continuations run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

const PENDING = Symbol("pending");
/**
 * How a run ended once the event loop has turned: its value, its error, or PENDING. Never
 * waits on a run that might hang (Bun's `expect(...).rejects` would block past the timeout).
 */
async function outcome<T>(run: Promise<T>): Promise<T | unknown> {
  return Promise.race([run.catch((error: unknown) => error), settle().then(() => PENDING)]);
}

describe("AdmissionGate", () => {
  test("never runs more than `limit` tasks at once", async () => {
    const gate = new AdmissionGate(2, 10);
    let active = 0;
    let maxActive = 0;
    const tasks = Array.from({ length: 6 }, () => controllable<void>());
    const runs = tasks.map((task) =>
      gate.run(async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        await task.promise;
        active--;
      }),
    );
    await settle();
    expect(active).toBe(2);
    expect(gate.inFlight).toBe(2);
    expect(gate.queued).toBe(4);

    for (const task of tasks) {
      task.resolve();
      await settle();
      expect(active).toBeLessThanOrEqual(2);
    }
    await Promise.all(runs);
    expect(maxActive).toBe(2);
    expect(gate.inFlight).toBe(0);
    expect(gate.queued).toBe(0);
  });

  test("queued tasks run in FIFO order", async () => {
    const gate = new AdmissionGate(1, 10);
    const started: string[] = [];
    const tasks = new Map(["a", "b", "c", "d"].map((name) => [name, controllable<void>()]));
    const runs = [...tasks].map(([name, task]) =>
      gate.run(async () => {
        started.push(name);
        await task.promise;
      }),
    );
    await settle();
    expect(started).toEqual(["a"]);
    for (const task of tasks.values()) {
      task.resolve();
      await settle();
    }
    await Promise.all(runs);
    expect(started).toEqual(["a", "b", "c", "d"]);
  });

  test("returns the task's value", async () => {
    const gate = new AdmissionGate(1, 1);
    expect(await gate.run(async () => 42)).toBe(42);
  });

  test("past maxQueue it refuses at once with GateFullError, without running the task", async () => {
    const gate = new AdmissionGate(1, 2);
    const blocker = controllable<void>();
    const running = gate.run(() => blocker.promise);
    const queued = [gate.run(async () => "q1"), gate.run(async () => "q2")];
    expect(gate.inFlight).toBe(1);
    expect(gate.queued).toBe(2);

    let called = false;
    // The blocker is still pending: the refusal cannot be waiting on it.
    const refused = gate.run(async () => {
      called = true;
    });
    const refusal = await outcome(refused);
    expect(refusal).toBeInstanceOf(GateFullError);
    const answer = (refusal as GateFullError).answer();
    expect(answer.status).toBe(503);
    expect(answer.headers["retry-after"]).toMatch(/^\d+$/);
    expect(called).toBe(false);
    expect(gate.inFlight).toBe(1);
    expect(gate.queued).toBe(2);

    blocker.resolve();
    await running;
    expect(await Promise.all(queued)).toEqual(["q1", "q2"]);
    // Room again once drained.
    expect(await gate.run(async () => "later")).toBe("later");
  });

  test("maxQueue 0 refuses anything beyond the running tasks", async () => {
    const gate = new AdmissionGate(1, 0);
    const blocker = controllable<void>();
    const running = gate.run(() => blocker.promise);
    expect(await outcome(gate.run(async () => "x"))).toBeInstanceOf(GateFullError);
    blocker.resolve();
    await running;
  });

  test("a task that throws frees its slot", async () => {
    const gate = new AdmissionGate(1, 0);
    expect(await outcome(gate.run(async () => Promise.reject(new Error("boom"))))).toEqual(new Error("boom"));
    expect(gate.inFlight).toBe(0);
    expect(await outcome(gate.run(async () => "next"))).toBe("next");
    expect(gate.inFlight).toBe(0);
  });

  test("a task that throws hands its slot to the next queued task", async () => {
    const gate = new AdmissionGate(1, 1);
    const failing = controllable<void>();
    const first = gate.run(() => failing.promise);
    const second = gate.run(async () => "second ran");
    expect(gate.queued).toBe(1);
    failing.reject(new Error("task failed"));
    expect(await outcome(first)).toEqual(new Error("task failed"));
    expect(await outcome(second)).toBe("second ran");
    expect(gate.inFlight).toBe(0);
    expect(gate.queued).toBe(0);
  });

  test("a synchronously throwing task also frees its slot", async () => {
    const gate = new AdmissionGate(1, 0);
    const run = gate.run(() => {
      throw new Error("sync");
    });
    expect(await outcome(run)).toEqual(new Error("sync"));
    expect(gate.inFlight).toBe(0);
  });

  test("counters follow tasks through the gate", async () => {
    const gate = new AdmissionGate(2, 5);
    expect([gate.inFlight, gate.queued]).toEqual([0, 0]);
    const tasks = [controllable<void>(), controllable<void>(), controllable<void>()];
    const runs = tasks.map((task) => gate.run(() => task.promise));
    expect([gate.inFlight, gate.queued]).toEqual([2, 1]);
    tasks[0]?.resolve();
    await settle();
    expect([gate.inFlight, gate.queued]).toEqual([2, 0]);
    tasks[1]?.resolve();
    await settle();
    expect([gate.inFlight, gate.queued]).toEqual([1, 0]);
    tasks[2]?.resolve();
    await Promise.all(runs);
    expect([gate.inFlight, gate.queued]).toEqual([0, 0]);
  });
});
