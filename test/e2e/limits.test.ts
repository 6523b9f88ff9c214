import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { rmSync } from "node:fs";
import { binaryInEmptyFolder, buildBinary, type RunningService, startService } from "../support/binary";

setDefaultTimeout(60_000);

describe("the binary bounds slow and oversized requests", () => {
  let folder: ReturnType<typeof binaryInEmptyFolder>;
  let service: RunningService;

  beforeAll(async () => {
    await buildBinary();
    folder = binaryInEmptyFolder();
    service = await startService(folder.binary, { cwd: folder.dir, env: { DATA_DIR: "memory://", HTTP_IDLE_TIMEOUT: "2" } });
  });
  afterAll(async () => {
    await service.stop();
    rmSync(folder.dir, { recursive: true, force: true });
  });

  test("a chunked body past 64 KiB is refused with 413 by the server itself", async () => {
    const chunk = new TextEncoder().encode(`{"name":"${"x".repeat(70_000)}"`);
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(chunk);
        controller.close();
      },
    });
    const response = await fetch(`${service.url}/signup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    expect(response.status).toBe(413);
  });

  test("a header past Bun's limit is refused with 431", async () => {
    const response = await fetch(`${service.url}/health`, { headers: { "x-padding": "p".repeat(128 * 1024) } });
    expect(response.status).toBe(431);
  });

  // Bun 1.4 applies idleTimeout once the headers are in; a client that stalls inside its headers
  // is not timed out by Bun (README: put a proxy with a header timeout in front).
  test("a request whose body stalls is closed after HTTP_IDLE_TIMEOUT", async () => {
    const { port } = new URL(service.url);
    const closed = Promise.withResolvers<number>();
    const started = performance.now();
    const socket = await Bun.connect({
      hostname: "127.0.0.1",
      port: Number(port),
      socket: {
        data() {},
        close() {
          closed.resolve(performance.now() - started);
        },
      },
    });
    socket.write("POST /signup HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{");
    const elapsed = await Promise.race([closed.promise, Bun.sleep(10_000).then(() => Number.POSITIVE_INFINITY)]);
    socket.end();
    expect(elapsed).toBeGreaterThanOrEqual(1500);
    expect(elapsed).toBeLessThan(8000);
  });
});
