import { expect, test } from "bun:test";
import { createStdout } from "../../src/observability/stdout";

const line = (n: number) => `${JSON.stringify({ msg: "request", n, pad: "x".repeat(280) })}\n`;
const numbers = (chunks: string[]) =>
  chunks
    .join("")
    .trimEnd()
    .split("\n")
    .map((text) => JSON.parse(text).n as number);

/** A writer that takes everything at once, as a file or a pipe with room does. */
function takingWriter() {
  const chunks: string[] = [];
  return { chunks, write: (chunk: string) => chunks.push(chunk), flush: () => 0 };
}

/** A writer that takes nothing until told to: a log collector that stopped reading stdout. */
function stalledWriter() {
  const chunks: string[] = [];
  let release = () => {};
  let stalled = true;
  return {
    chunks,
    write: (chunk: string) => chunks.push(chunk),
    flush: () =>
      stalled
        ? new Promise<void>((resolve) => {
            release = resolve;
          })
        : 0,
    resume() {
      stalled = false;
      release();
    },
  };
}

test("gathered lines reach the writer in batches of about 64 KiB, whole, and every one by close", async () => {
  const writer = takingWriter();
  const stdout = createStdout(writer);
  const lines = 1000;
  for (let n = 0; n < lines; n++) stdout.gather(line(n));
  // Bun makes one write(2) per chunk handed over: a chunk per line would be one per request.
  const batches = writer.chunks.length;
  expect(batches).toBeGreaterThan(0);
  expect(batches).toBeLessThan(lines / 100);
  expect(writer.chunks.every((chunk) => chunk.length >= 64 * 1024 && chunk.endsWith("\n"))).toBe(true);
  await stdout.close();
  expect(writer.chunks.length).toBe(batches + 1);
  expect(numbers(writer.chunks)).toEqual(Array.from({ length: lines }, (_, n) => n));
});

test("a line written at once is handed over at once, after the lines gathered before it", () => {
  const writer = takingWriter();
  const stdout = createStdout(writer);
  stdout.gather(line(0));
  stdout.gather(line(1));
  expect(writer.chunks).toEqual([]);
  stdout.line(line(2));
  expect(numbers(writer.chunks)).toEqual([0, 1, 2]);
});

test("a stalled writer is handed one chunk; at most 4 MiB of lines wait, the rest are dropped and counted, the kept go once it takes them", async () => {
  const writer = stalledWriter();
  const stdout = createStdout(writer);
  const lines = 40_000;
  for (let n = 0; n < lines; n++) (n % 1000 === 0 ? stdout.line : stdout.gather)(line(n));
  expect(writer.chunks).toHaveLength(1);
  const dropped = stdout.droppedLines();
  expect(dropped).toBeGreaterThan(0);
  writer.resume();
  await stdout.close();
  const kept = numbers(writer.chunks);
  expect(kept.length + dropped).toBe(lines);
  expect(writer.chunks.slice(1).join("").length).toBeLessThanOrEqual(4 * 1024 * 1024 + 1024);
  // The kept lines are the oldest, in order: what was dropped is the newest.
  expect(kept).toEqual(Array.from({ length: kept.length }, (_, n) => n));
});

test("shutdown waits at most about a second for a writer that never takes its lines", async () => {
  const stdout = createStdout(stalledWriter());
  for (let n = 0; n < 1000; n++) stdout.gather(line(n));
  stdout.line(line(1000));
  const started = performance.now();
  await stdout.close();
  const waitedMs = performance.now() - started;
  expect(waitedMs).toBeGreaterThan(900);
  expect(waitedMs).toBeLessThan(3000);
});

test("a writer that throws (its reader gone) loses that chunk, counted, and the next lines still go", () => {
  let failing = true;
  const chunks: string[] = [];
  const stdout = createStdout({
    write: (chunk: string) => {
      if (failing) throw Object.assign(new Error("broken pipe"), { code: "EPIPE" });
      chunks.push(chunk);
    },
    flush: () => 0,
  });
  stdout.line(line(0));
  expect(stdout.droppedLines()).toBe(1);
  failing = false;
  stdout.line(line(1));
  expect(numbers(chunks)).toEqual([1]);
});
