// The limit for GET /health: raw Bun.serve returning the same small JSON the service's /health
// returns (same fields, timestamp and uptime computed per request), no framework, no metrics.
// With CONTRACT_HEADERS=1 it also answers with the three headers the service's contract puts on
// every answer (x-request-id, x-correlation-id, x-content-type-options), its ids made by the
// service's own code: what those headers cost Bun itself, with no framework around them.
// Usage: PORT=0 [CONTRACT_HEADERS=1] bun bench/baselines/raw-health.ts   (prints {"msg":"listening","port":N})
import { requestContextFrom } from "../../src/http/request-context.ts";

const startedAt = performance.now();
const contractHeaders = process.env.CONTRACT_HEADERS === "1";

function health() {
  return {
    status: "healthy",
    service: "signup-service",
    timestamp: new Date().toISOString(),
    uptime_seconds: Math.round((performance.now() - startedAt) / 100) / 10,
  };
}

const server = Bun.serve({
  hostname: process.env.HOST ?? "127.0.0.1",
  port: Number(process.env.PORT ?? 0),
  fetch(request) {
    if (!contractHeaders) return Response.json(health());
    const { requestId, correlationId } = requestContextFrom(request.headers);
    return Response.json(health(), {
      headers: { "x-request-id": requestId, "x-correlation-id": correlationId, "x-content-type-options": "nosniff" },
    });
  },
});

console.log(JSON.stringify({ msg: "listening", port: server.port }));
process.on("SIGTERM", () => {
  server.stop(true);
  process.exit(0);
});
