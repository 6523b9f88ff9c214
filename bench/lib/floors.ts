// The rows of the results table and the floors of issue 6 each is held to.
import { CFG, FLOORS } from "./config.ts";
import type { DatabaseChecks } from "./database.ts";
import type { LocustResult } from "./locust.ts";
import type { Measurement } from "./measurement.ts";
import { round } from "./stats.ts";

interface Row {
  scenario: string;
  limit: string;
  service: Measurement;
  limitValue?: Measurement;
  ratio?: number;
  floor?: string;
  pass?: boolean;
}

/** The three limits' rows come first: the report's limits table reads them by position. */
export type ReportRows = [health: Row, get: Row, signup: Row, replay: Row, locustAll: Row, locustSignup: Row, locustHealth: Row];

export interface MedianRounds {
  health: Measurement;
  rawHealth: Measurement;
  get: Measurement;
  rawGet: Measurement;
  replay: Measurement;
  signup: Measurement;
  hash: Measurement;
}

/** A throughput row passes when the service keeps `floor` of its limit's throughput and no request failed. */
function throughputRow(scenario: string, limit: string, service: Measurement, limitValue: Measurement, floor: number) {
  const ratio = round(service.rps / limitValue.rps, 3);
  return { scenario, limit, service, limitValue, ratio, floor: `>= ${floor}`, pass: ratio >= floor && service.errors === 0 };
}

export function evaluateFloors(m: MedianRounds, locust: LocustResult, singleHashMedianMs: number, database: DatabaseChecks, rssMb: number) {
  const health = throughputRow("GET /health", "raw Bun.serve JSON", m.health, m.rawHealth, FLOORS.health);
  const get = throughputRow("GET /users/{id}", "raw Bun.serve + postgres.js", m.get, m.rawGet, FLOORS.get);
  const signup = throughputRow("POST /signup (unique)", `Bun.password.hash x${CFG.signupConnections}`, m.signup, m.hash, FLOORS.signup);
  const replay = throughputRow("POST /signup replay", "GET /users/{id} (service)", m.replay, m.get, FLOORS.replay);
  const locustPass =
    locust.all.p95 < FLOORS.locustP95Ms &&
    locust.all.failures === 0 &&
    database.no_duplicate_email &&
    database.users_equals_users_read &&
    database.locust_every_201_is_one_row;
  const signupBoundMs = FLOORS.locustSignupHashMultiple * singleHashMedianMs;
  const locustSignupPass = locust.signup.p95 <= signupBoundMs;
  const rows: ReportRows = [
    health,
    get,
    signup,
    replay,
    {
      scenario: "Locust seed profile, all",
      limit: "SLO",
      service: locust.all,
      floor: `P95 < ${FLOORS.locustP95Ms} ms, 0 failures, 0 duplicates`,
      pass: locustPass,
    },
    {
      scenario: "Locust seed profile, /signup",
      limit: `${FLOORS.locustSignupHashMultiple} x one hash (${singleHashMedianMs.toFixed(1)} ms)`,
      service: locust.signup,
      ratio: round(locust.signup.p95 / singleHashMedianMs, 2),
      floor: `P95 <= ${signupBoundMs.toFixed(1)} ms`,
      pass: locustSignupPass,
    },
    { scenario: "Locust seed profile, /health", limit: "", service: locust.health },
  ];
  const floors = {
    get: get.pass,
    health: health.pass,
    signup: signup.pass,
    replay: replay.pass,
    locust_all: locustPass,
    locust_signup: locustSignupPass,
    rss: rssMb <= FLOORS.rssMb,
  };
  return { rows, floors };
}
