// The limit for GET /health: raw Bun.serve returning the same small JSON the service's /health
// returns (same fields, timestamp and uptime computed per request), no framework, no metrics.
// Usage: PORT=0 bun bench/baselines/raw-health.ts   (prints {"msg":"listening","port":N})
const startedAt = performance.now();

const server = Bun.serve({
  hostname: process.env.HOST ?? "127.0.0.1",
  port: Number(process.env.PORT ?? 0),
  fetch() {
    return Response.json({
      status: "healthy",
      service: "signup-service",
      timestamp: new Date().toISOString(),
      uptime_seconds: Math.round((performance.now() - startedAt) / 100) / 10,
    });
  },
});

console.log(JSON.stringify({ msg: "listening", port: server.port }));
process.on("SIGTERM", () => {
  server.stop(true);
  process.exit(0);
});
