import { describe, expect, test } from "bun:test";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { cloudEvent, traceparentOf } from "../../src/events/cloud-event";
import { safeServer, subjectMatches } from "../../src/events/nats-publisher";
import { backoffMs } from "../../src/events/relay";

describe("cloudEvent", () => {
  const user = {
    id: "0193f1c2-7a4e-7c3b-9a51-6b2f0e8d4c11",
    name: "Ana",
    email: "ana@example.com",
    display_name: "Ana G",
    created_at: "2025-10-05T12:00:00.000Z",
  };
  const input = {
    id: "0193f1c2-7a50-7d3e-8b1a-3c2d4e5f6a7b",
    type: "signup.user.created",
    subject: user.id,
    time: user.created_at,
    data: user,
  };

  test("is a CloudEvents 1.0 structured JSON document", () => {
    expect(JSON.parse(cloudEvent(input))).toEqual({
      specversion: "1.0",
      id: input.id,
      source: "signup-service",
      type: "signup.user.created",
      subject: user.id,
      time: user.created_at,
      datacontenttype: "application/json",
      data: user,
    });
  });

  test("carries traceparent only when given one", () => {
    const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    expect(JSON.parse(cloudEvent({ ...input, traceparent })).traceparent).toBe(traceparent);
    expect("traceparent" in JSON.parse(cloudEvent(input))).toBe(false);
  });
});

describe("traceparentOf", () => {
  test("formats a span's context as W3C traceparent", () => {
    const span = new BasicTracerProvider().getTracer("t").startSpan("s");
    const { traceId, spanId } = span.spanContext();
    expect(traceparentOf(span)).toBe(`00-${traceId}-${spanId}-01`);
    span.end();
  });

  test("is undefined without a span (tracing off)", () => {
    expect(traceparentOf(undefined)).toBeUndefined();
  });
});

describe("subjectMatches", () => {
  test("literal, * and > patterns", () => {
    expect(subjectMatches("signup.user.created", "signup.user.created")).toBe(true);
    expect(subjectMatches("signup.*.created", "signup.user.created")).toBe(true);
    expect(subjectMatches("signup.>", "signup.user.created")).toBe(true);
    expect(subjectMatches(">", "signup")).toBe(true);
    expect(subjectMatches("signup.>", "signup")).toBe(false);
    expect(subjectMatches("signup.*", "signup.user.created")).toBe(false);
    expect(subjectMatches("signup.user", "signup.user.created")).toBe(false);
    expect(subjectMatches("signup.user.created.x", "signup.user.created")).toBe(false);
  });
});

test("safeServer drops credentials from a NATS URL", () => {
  expect(safeServer("nats://app:hunter2@nats.internal:4222")).toBe("nats://nats.internal:4222");
});

test("backoffMs grows and is capped, with jitter", () => {
  for (let i = 0; i < 50; i++) {
    expect(backoffMs(1)).toBeGreaterThanOrEqual(187);
    expect(backoffMs(1)).toBeLessThanOrEqual(313);
    expect(backoffMs(30)).toBeLessThanOrEqual(6250);
    expect(backoffMs(30)).toBeGreaterThanOrEqual(3750);
  }
});
