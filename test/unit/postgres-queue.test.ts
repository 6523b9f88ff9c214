import { heapSize } from "bun:jsc";
import { describe, expect, test } from "bun:test";
import { dirname, join } from "node:path";

// The pool's internal queue, as patched by patches/postgres@3.4.9.patch, loaded beside the entry
// Bun resolves for the service (the package exports no subpath). Upstream, a queue that never
// drains keeps every slot it ever shifted, and `remove` scans them all: the pool's busy list under
// steady load (ARCHITECTURE.md, "The hot path, measured").
const queueFile = join(dirname(Bun.resolveSync("postgres", import.meta.dir)), "queue.js");
const { default: Queue } = await import(queueFile);

interface PoolQueue<T> {
  readonly length: number;
  push(item: T): T;
  shift(): T | undefined;
  remove(item: T): T | null;
}

const newQueue = Queue as unknown as <T>(initial?: T[]) => PoolQueue<T>;

/** The pool under steady load: ten connections, each taken from the front and put back at the end. */
function cycle<T>(queue: PoolQueue<T>, times: number) {
  for (let i = 0; i < times; i++) {
    const taken = queue.shift();
    if (taken) queue.push(taken);
  }
}

describe("postgres.js pool queue (patched)", () => {
  test("keeps FIFO order, length and remove through the compaction of a queue that never drains", () => {
    const connections = Array.from({ length: 10 }, (_, n) => ({ n }));
    const queue = newQueue(connections);
    const fourth = connections[3];
    if (!fourth) throw new Error("no fourth connection");
    cycle(queue, 10_007);
    expect(queue.length).toBe(10);
    // 10 007 cycles of 10 leave the eighth connection at the front.
    expect(queue.remove(fourth)).toBe(fourth);
    expect(queue.remove(fourth)).toBeNull();
    expect(queue.length).toBe(9);
    const order = Array.from({ length: 9 }, () => queue.shift()?.n);
    expect(order).toEqual([7, 8, 9, 0, 1, 2, 4, 5, 6]);
    expect(queue.length).toBe(0);
    expect(queue.shift()).toBeUndefined();
  });

  test("a queue that never drains holds its live items, not every slot it has shifted", () => {
    const queue = newQueue(Array.from({ length: 10 }, (_, n) => ({ n })));
    Bun.gc(true);
    const before = heapSize();
    // Upstream, two million cycles leave a two-million-slot array behind (16 MB of heap).
    cycle(queue, 2_000_000);
    Bun.gc(true);
    const grown = heapSize() - before;
    expect(queue.length).toBe(10);
    expect(grown).toBeLessThan(4 * 1024 * 1024);
  });
});
