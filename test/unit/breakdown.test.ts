import { describe, expect, test } from "bun:test";
import { HASH_WORKER_STEP, parseSteps, SIGNUP_REQUEST_STEP, stepBreakdown } from "../../bench/lib/breakdown.ts";

/** A /metrics text with one histogram series: `counts` are per bucket (not cumulative), the last for +Inf. */
function histogram(metric: string, labels: string, bounds: number[], counts: number[]): string {
  let cumulative = 0;
  return counts
    .map((count, index) => {
      cumulative += count;
      const le = index < bounds.length ? String(bounds[index]) : "+Inf";
      return `${metric}_bucket{${labels}${labels ? "," : ""}le="${le}"} ${cumulative}`;
    })
    .join("\n");
}

describe("the bench's signup breakdown", () => {
  const bounds = [0.01, 0.02, 0.04];

  test("reads the steps, the hash, its wait and the service's own timing of created users, and nothing else", () => {
    const text = [
      histogram("request_step_duration_seconds", 'step="db email_taken"', bounds, [4, 0, 0, 0]),
      histogram("password_hash_duration_seconds", "", bounds, [0, 2, 2, 0]),
      histogram("password_hash_wait_seconds", "", bounds, [4, 0, 0, 0]),
      histogram("http_request_duration_seconds", 'method="POST",route="/signup",status="201"', bounds, [0, 0, 4, 0]),
      histogram("http_request_duration_seconds", 'method="POST",route="/signup",status="409"', bounds, [9, 0, 0, 0]),
      histogram("http_request_duration_seconds", 'method="GET",route="/health",status="200"', bounds, [9, 0, 0, 0]),
      "nodejs_eventloop_lag_p99_seconds 0.004",
    ].join("\n");
    const empty = parseSteps("");
    const { steps, event_loop_p99_ms } = stepBreakdown(empty, parseSteps(text));
    expect(steps.map((step) => step.step).sort()).toEqual(
      ["db email_taken", HASH_WORKER_STEP, SIGNUP_REQUEST_STEP, "hash wait (gate)"].sort(),
    );
    const request = steps.find((step) => step.step === SIGNUP_REQUEST_STEP);
    // Four created users, all in (20, 40 ms]: the median interpolated halfway through that bucket.
    expect(request).toEqual({ step: SIGNUP_REQUEST_STEP, count: 4, p50_ms: 30, p95_ms: 39 });
    expect(steps[0]?.step).toBe(SIGNUP_REQUEST_STEP);
    expect(event_loop_p99_ms).toBe(4);
  });

  test("counts only what happened between the two scrapes", () => {
    const before = parseSteps(histogram("password_hash_duration_seconds", "", bounds, [3, 0, 0, 0]));
    const after = parseSteps(histogram("password_hash_duration_seconds", "", bounds, [3, 2, 0, 0]));
    expect(stepBreakdown(before, after).steps).toEqual([{ step: HASH_WORKER_STEP, count: 2, p50_ms: 15, p95_ms: 19.5 }]);
  });
});
