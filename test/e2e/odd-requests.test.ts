import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { rmSync } from "node:fs";
import { binaryInEmptyFolder, buildBinary, type RunningService, startService } from "../support/binary";
import { rawRequest } from "../support/raw-http";

setDefaultTimeout(60_000);

/** The access lines for one request id, once the buffered access log has flushed them. */
async function linesFor(service: RunningService, requestId: string) {
  const deadline = Date.now() + 3000;
  let found: string[] = [];
  while (Date.now() < deadline) {
    found = service.lines.filter((line) => line.includes(requestId));
    if (found.length > 0) return found;
    await Bun.sleep(50);
  }
  return found;
}

const metricCount = async (service: RunningService, series: string) => {
  const text = await (await fetch(`${service.url}/metrics`)).text();
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${series} `));
  return Number(line?.split(" ")[1] ?? 0);
};

describe("the binary answers odd requests and oversized bodies with problems", () => {
  let folder: ReturnType<typeof binaryInEmptyFolder>;
  let service: RunningService;

  beforeAll(async () => {
    await buildBinary();
    folder = binaryInEmptyFolder();
    service = await startService(folder.binary, { cwd: folder.dir, env: { DATA_DIR: "memory://" } });
    // The build alone can take a minute on a busy machine.
  }, 180_000);
  afterAll(async () => {
    await service.stop();
    rmSync(folder.dir, { recursive: true, force: true });
  });

  test("CONNECT 127.0.0.1:5432: a 400 problem with the ids, counted, one JSON log line, no source code", async () => {
    const series = 'http_requests_total{method="CONNECT",route="unmatched",status="400"}';
    const before = await metricCount(service, series);
    const linesBefore = service.lines.length;
    const response = await rawRequest(service.url, "CONNECT 127.0.0.1:5432 HTTP/1.1\r\nHost: 127.0.0.1:5432\r\n\r\n");
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    const requestId = response.headers.get("x-request-id") ?? "";
    expect(requestId).toBeTruthy();
    expect(JSON.parse(response.body)).toMatchObject({
      status: 400,
      type: "urn:signup-service:problem:bad-request-target",
      request_id: requestId,
    });

    const lines = await linesFor(service, requestId);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ method: "CONNECT", route: "unmatched", status: 400 });
    for (const line of service.lines.slice(linesBefore)) expect(() => JSON.parse(line)).not.toThrow();
    expect(await metricCount(service, series)).toBe(before + 1);
  });

  test("an absolute-form target is routed by its path; an unknown method on a route is a 404 problem", async () => {
    const absolute = await rawRequest(
      service.url,
      "GET http://elsewhere.example/health HTTP/1.1\r\nHost: elsewhere.example\r\nConnection: close\r\n\r\n",
    );
    expect(absolute.status).toBe(200);
    expect(absolute.headers.get("x-content-type-options")).toBe("nosniff");
    const options = await rawRequest(service.url, "OPTIONS /signup HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect(options.status).toBe(404);
    expect(options.headers.get("content-type")).toBe("application/problem+json");
    expect(options.headers.get("x-request-id")).toBeTruthy();
  });

  // Bun's HTTP parser refuses these before any code of the service runs; the README says so.
  test("targets Bun's parser refuses get a bare 4xx, never a 5xx, and the service keeps serving", async () => {
    for (const target of ["OPTIONS * HTTP/1.1", "GET * HTTP/1.1", "GET x HTTP/1.1"]) {
      const response = await rawRequest(service.url, `${target}\r\nHost: x\r\n\r\n`);
      expect({ target, status: response.status }).toEqual({ target, status: 400 });
    }
    expect((await fetch(`${service.url}/health`)).status).toBe(200);
  });

  test("a body over 64 KiB, declared or chunked, is the service's 413 problem with the request ids", async () => {
    const declared = await rawRequest(
      service.url,
      `POST /signup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n${"x".repeat(100_000)}`,
    );
    const huge = await rawRequest(
      service.url,
      "POST /signup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10000000000\r\n\r\n{",
    );
    const chunk = new TextEncoder().encode(`{"name":"${"x".repeat(2_000_000)}"`);
    const chunked = await fetch(`${service.url}/signup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(chunk);
          controller.close();
        },
      }),
    });
    for (const response of [declared, huge, { status: chunked.status, headers: chunked.headers, body: await chunked.text() }]) {
      expect(response.status).toBe(413);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect(response.headers.get("x-request-id")).toBeTruthy();
      expect(JSON.parse(response.body)).toMatchObject({ status: 413, type: "urn:signup-service:problem:payload-too-large" });
    }
    const lines = await linesFor(service, declared.headers.get("x-request-id")!);
    expect(JSON.parse(lines[0]!)).toMatchObject({ route: "/signup", status: 413 });
  });
});
