// What the framework alone costs on GET /health: Elysia with the service's /health route and
// nothing else (no plugins, no hooks, no response headers), returning the same JSON as
// raw-health.ts. Set beside raw Bun.serve and the service, it splits the service's gap into
// Elysia's share and the share of what the service adds on every request.
// Usage: PORT=0 bun bench/baselines/elysia-health.ts   (prints {"msg":"listening","port":N})
import { Elysia } from "elysia";
import { liveness } from "../../src/health/liveness.ts";

const startedAt = performance.now();
const app = new Elysia()
  .get("/health", () => liveness(startedAt))
  .listen({
    hostname: process.env.HOST ?? "127.0.0.1",
    port: Number(process.env.PORT ?? 0),
  });

console.log(JSON.stringify({ msg: "listening", port: app.server?.port }));
process.on("SIGTERM", async () => {
  await app.stop(true);
  process.exit(0);
});
