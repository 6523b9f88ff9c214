// The limit for GET /users/{id}: raw Bun.serve + postgres.js running the same query on users_read
// (a prepared statement: postgres.js prepares by default) with the same pool size as the service
// (DATABASE_POOL_MAX, default 10). No framework, no validation, no metrics, no logging.
// Usage: DATABASE_URL=postgres://... PORT=0 bun bench/baselines/raw-get.ts
import postgres from "postgres";

const url = process.env.DATABASE_URL;
if (!url) throw new Error("DATABASE_URL is required");
const sql = postgres(url, { max: Number(process.env.DATABASE_POOL_MAX ?? 10), prepare: true, onnotice: () => {} });

const PREFIX = "/users/";

const server = Bun.serve({
  hostname: process.env.HOST ?? "127.0.0.1",
  port: Number(process.env.PORT ?? 0),
  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (!pathname.startsWith(PREFIX)) return new Response("not found", { status: 404 });
    const id = pathname.slice(PREFIX.length);
    const [user] = await sql`select "id", "name", "email", "display_name", "created_at" from "users_read" where "users_read"."id" = ${id}`;
    if (!user) return Response.json({ status: 404 }, { status: 404 });
    return Response.json({ ...user, created_at: (user.created_at as Date).toISOString() });
  },
});

// Open the pool before reporting ready, as the service does before /ready.
await sql`select 1`;
console.log(JSON.stringify({ msg: "listening", port: server.port }));
process.on("SIGTERM", async () => {
  server.stop(true);
  await sql.end({ timeout: 1 });
  process.exit(0);
});
