// What the scenarios need in the database before they run: fixture users to GET, and a key to replay.
import { log } from "./log.ts";
import { postSignup, signupJson } from "./service.ts";

const SIGNUP_CONCURRENCY = 4;

/** Signs up `count` fixture users through the API and returns their ids. */
export async function createFixtureUsers(url: string, count: number, runTag: string) {
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: SIGNUP_CONCURRENCY }, async () => {
      while (next < count) {
        const i = next++;
        // Keyed, so a retry after a dropped connection replays instead of failing as a duplicate.
        const attempt = () => postSignup(url, `fixture-${runTag}-${i}`, signupJson(`Fixture ${i}`, `fixture-${runTag}-${i}`));
        const response = await attempt().catch(() => Bun.sleep(500).then(attempt));
        const body = (await response.json()) as { id?: string };
        if (response.status !== 201 || !body.id)
          throw new Error(`creating fixture users failed: ${response.status} ${JSON.stringify(body)}`);
        ids.push(body.id);
      }
    }),
  );
  log(`created ${ids.length} fixture users`);
  return ids;
}

export interface ReplayFixture {
  key: string;
  body: string;
}

/** Creates the signup once and checks a second request is answered as a replay, so every measured request is one. */
export async function prepareReplay(url: string, runTag: string): Promise<ReplayFixture> {
  const key = `replay-${runTag}`;
  const body = signupJson("Replay", `replay-${runTag}`);
  const first = await postSignup(url, key, body);
  if (first.status !== 201) throw new Error(`replay setup: ${first.status}`);
  const second = await postSignup(url, key, body);
  if (second.status !== 201 || second.headers.get("idempotent-replayed") !== "true") throw new Error("replay setup: not a replay");
  return { key, body };
}
