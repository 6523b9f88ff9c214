/**
 * What the password policy costs (issue 12), bounded to about half a minute:
 *   1. memory of the common-password list: RSS and heap of a fresh process with and without it;
 *   2. the per-check time of the whole policy (list lookups and the identifier rule included);
 *   3. signup throughput with the list check against without it, in the same run: both apps
 *      served at once, each with its own hashing slots, so that every moment of noise from other
 *      programs falls on both alike (this machine is shared); the median of 3 rounds of 4 s,
 *      on the embedded database in memory, hashing at the default cost.
 *
 *   bun bench/password-policy.ts
 */
import pino from "pino";
import { buildApp } from "../src/app";
import { loadConfig } from "../src/config";
import { migrate } from "../src/db/migrate";
import { openPGlite } from "../src/db/pglite";
import { noAccessLog } from "../src/observability/access-log";
import { commonPasswords } from "../src/users/common-passwords";
import { normalizePassword } from "../src/users/password-normalization";
import { createPasswordPolicy } from "../src/users/password-policy";

const ROUNDS = 3;
const ROUND_MS = 4_000;
/** Per app: its hashing slots (one per core) and as many waiting, as the service runs by default. */
const CONCURRENCY = 4;

const megabytes = (bytes: number) => (bytes / 1e6).toFixed(1);

if (process.argv[2] === "--memory") {
  // A child process: report its memory once settled, with or without the list.
  const started = performance.now();
  const size = process.argv[3] === "list" ? commonPasswords().size : 0;
  const loadMs = performance.now() - started;
  // Off this stack first: the collector scans it conservatively.
  await Bun.sleep(50);
  Bun.gc(true);
  const { rss, heapUsed } = process.memoryUsage();
  console.log(JSON.stringify({ size, loadMs, rss, heapUsed }));
  process.exit(0);
}

function memoryOf(mode: "none" | "list") {
  const child = Bun.spawnSync([process.execPath, import.meta.path, "--memory", mode]);
  return JSON.parse(child.stdout.toString()) as { size: number; loadMs: number; rss: number; heapUsed: number };
}

const without = memoryOf("none");
const withList = memoryOf("list");
console.log(`list: ${withList.size} entries, loaded in ${withList.loadMs.toFixed(0)} ms`);
console.log(
  `memory: RSS ${megabytes(without.rss)} -> ${megabytes(withList.rss)} MB (+${megabytes(withList.rss - without.rss)}), ` +
    `heap ${megabytes(without.heapUsed)} -> ${megabytes(withList.heapUsed)} MB (+${megabytes(withList.heapUsed - without.heapUsed)})`,
);

const policy = createPasswordPolicy({ minLength: 8, composition: true, blocklist: commonPasswords() });
const context = { email: "ana.garcia@example.com", name: "Ana Garcia", display_name: "Ana G" };
const samples = ["Velero-Azul-27", "P@ssw0rd1!", "Summer2024", "Пароль-Секрет-2024", "Ana.Garcia2024", "correct-Horse-battery-9"];
const checks = 60_000;
for (let i = 0; i < 5_000; i++) policy(normalizePassword(samples[i % samples.length]!), context);
const checkStarted = performance.now();
for (let i = 0; i < checks; i++) policy(normalizePassword(samples[i % samples.length]!), context);
const perCheckUs = ((performance.now() - checkStarted) * 1000) / checks;
console.log(`per check (normalize + every rule): ${perCheckUs.toFixed(2)} us`);

const database = await openPGlite("memory://");
await migrate(database);
const appWith = (blocklist: boolean) =>
  buildApp({
    config: loadConfig({ NODE_ENV: "test", LOG_LEVEL: "silent", PASSWORD_BLOCKLIST: String(blocklist) }).config,
    database,
    logger: pino({ level: "silent" }),
    accessLog: noAccessLog,
  }).app;
const apps = { with: appWith(true), without: appWith(false) };

let sequence = 0;
async function signups(app: (typeof apps)["with"], deadline: number) {
  let created = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const n = ++sequence;
        const response = await app.handle(
          new Request("http://localhost/signup", {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ name: "Bench", email: `bench-${n}@example.com`, password: `Velero-Azul-${n}`, display_name: "Bench" }),
          }),
        );
        if (response.status !== 201) throw new Error(`signup answered ${response.status}`);
        created++;
      }
    }),
  );
  return created / (ROUND_MS / 1000);
}

const rounds: Array<{ with: number; without: number }> = [];
for (let round = 0; round <= ROUNDS; round++) {
  const deadline = performance.now() + ROUND_MS;
  const [withCheck, withoutCheck] = await Promise.all([signups(apps.with, deadline), signups(apps.without, deadline)]);
  if (round > 0) rounds.push({ with: withCheck, without: withoutCheck }); // round 0 warms up
}
const ratios = rounds.map((round) => round.with / round.without).sort((a, b) => a - b);
const ratio = ratios[Math.floor(ratios.length / 2)]!;
console.log(
  `signups/s with the list check | without, per round: ${rounds.map((r) => `${r.with.toFixed(1)} | ${r.without.toFixed(1)}`).join(", ")}; ` +
    `median ratio ${ratio.toFixed(3)} (floor 0.98)`,
);
await database.close();
process.exit(ratio >= 0.98 ? 0 : 1);
