import { expect, test } from "bun:test";
import { Registry } from "prom-client";
import { createRequestMetrics } from "../../src/observability/request-metrics";

test("renders a Prometheus histogram and counter per label set, buckets cumulative and `le` inclusive", async () => {
  const registry = new Registry();
  const observe = createRequestMetrics(registry, [0.1, 1]);
  observe("GET", "/users/:id", 200, 0.1);
  observe("GET", "/users/:id", 200, 0.5);
  observe("GET", "/users/:id", 200, 7);
  observe("POST", "/signup", 201, 0.05);
  const text = await registry.metrics();
  const lines = text.split("\n");
  const of = (prefix: string) => lines.filter((line) => line.startsWith(prefix));
  expect(of('http_request_duration_seconds_bucket{method="GET"')).toEqual([
    'http_request_duration_seconds_bucket{method="GET",route="/users/:id",status="200",le="0.1"} 1',
    'http_request_duration_seconds_bucket{method="GET",route="/users/:id",status="200",le="1"} 2',
    'http_request_duration_seconds_bucket{method="GET",route="/users/:id",status="200",le="+Inf"} 3',
  ]);
  expect(of("http_request_duration_seconds_sum")).toContain(
    'http_request_duration_seconds_sum{method="GET",route="/users/:id",status="200"} 7.6',
  );
  expect(of("http_request_duration_seconds_count")).toContain(
    'http_request_duration_seconds_count{method="POST",route="/signup",status="201"} 1',
  );
  expect(of("http_requests_total")).toEqual([
    'http_requests_total{method="GET",route="/users/:id",status="200"} 3',
    'http_requests_total{method="POST",route="/signup",status="201"} 1',
  ]);
  expect(text).toContain("# TYPE http_request_duration_seconds histogram");
  expect(text).toContain("# TYPE http_requests_total counter");
  expect(text).toContain("# HELP http_requests_total ");
});
