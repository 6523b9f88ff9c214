import { describe, expect, test } from "bun:test";
import { constantHashQueue, queueModel } from "../../bench/lib/queue-model.ts";

const latencies = (rows: ReturnType<typeof constantHashQueue>) => rows.map((row) => row.latencyMs);

describe("constantHashQueue", () => {
  test("arrivals further apart than a hash never wait", () => {
    expect(latencies(constantHashQueue([0, 50, 100, 150], 40, 1))).toEqual([40, 40, 40, 40]);
  });

  test("a batch queues in arrival order behind the slots", () => {
    expect(latencies(constantHashQueue([0, 0, 0, 0, 0], 10, 2))).toEqual([10, 10, 20, 20, 30]);
  });

  test("a slot freed early takes the next arrival; the input's order does not matter", () => {
    const rows = constantHashQueue([25, 0, 5], 20, 2);
    expect(rows.map((row) => row.arrivalMs)).toEqual([0, 5, 25]);
    // 0 -> slot A until 20, 5 -> slot B until 25, 25 -> slot A (free since 20): no wait.
    expect(latencies(rows)).toEqual([20, 20, 20]);
  });

  test("refuses a queue that cannot serve", () => {
    expect(() => constantHashQueue([0], 0, 2)).toThrow();
    expect(() => constantHashQueue([0], 10, 0)).toThrow();
  });
});

describe("queueModel", () => {
  test("the settled part leaves out the start's batch but keeps its queue", () => {
    // A batch of 6 at 0 ms, then one arrival every 100 ms from 1000 ms: the batch waits up to three hashes.
    const arrivals = [0, 0, 0, 0, 0, 0, ...Array.from({ length: 20 }, (_, i) => 1000 + i * 100)];
    const model = queueModel(arrivals, 40, 2, 1000);
    expect(model.arrivals).toBe(26);
    expect(model.p99_ms).toBe(120);
    expect(model.settled.arrivals).toBe(20);
    expect(model.settled.p95_ms).toBe(40);
    expect(model.settled.p95_hashes).toBe(1);
  });

  test("a batch still being served delays the first settled arrivals", () => {
    const model = queueModel([0, 0, 0, 0, 10], 100, 1, 10);
    // The settled arrival at 10 ms waits for four hashes to finish (400 ms), then takes its own.
    expect(model.settled.p95_ms).toBe(490);
  });
});
