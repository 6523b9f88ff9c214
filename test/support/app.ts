import pino from "pino";
import { buildApp } from "../../src/app";
import { loadConfig } from "../../src/config";
import type { DatabaseHandle } from "../../src/db/database";
import { noAccessLog } from "../../src/observability/access-log";
import { checkAnswersAgainstDocument } from "./contract";

export const TEST_SECRET = "test-idempotency-secret-0123456789";

export function testConfig(overrides: Record<string, string> = {}) {
  return loadConfig({ NODE_ENV: "test", IDEMPOTENCY_SECRET: TEST_SECRET, LOG_LEVEL: "silent", ...overrides }).config;
}

/**
 * The real app on a test database; requests go through `app.handle`, no socket. Every answer is
 * checked against the app's OpenAPI document, so any suite's request fails on an undeclared one.
 */
export function createTestApp(handle: DatabaseHandle, overrides: Record<string, string> = {}) {
  const config = testConfig(overrides);
  const silent = pino({ level: "silent" });
  const { app, readiness, metrics, relay } = buildApp({ config, database: handle, logger: silent, accessLog: noAccessLog });
  return { app: checkAnswersAgainstDocument(app), config, readiness, metrics, relay };
}

export const BASE = "http://localhost";

let counter = 0;
/** A valid signup body with an email no other test uses. */
export function signupBody(overrides: Record<string, unknown> = {}) {
  counter++;
  return {
    name: "Ana",
    email: `ana.${Date.now()}.${counter}@example.com`,
    password: "Velero-Azul-27",
    display_name: "Ana G",
    ...overrides,
  };
}

/** A POST /signup; a string or bytes go as they are, anything else as JSON. */
export function postSignup(body: unknown, headers: Record<string, string> = {}) {
  return new Request(`${BASE}/signup`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body),
  });
}

export const get = (path: string, headers: Record<string, string> = {}) => new Request(`${BASE}${path}`, { headers });

/** The body of a response as JSON, loosely typed: tests assert its shape. */
// biome-ignore lint/suspicious/noExplicitAny: a test reads whichever fields it asserts; typing each answer would restate the schema
export const json = (response: Response): Promise<any> => response.json();
