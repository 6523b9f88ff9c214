import { type Context, Elysia, t } from "elysia";
import { parseJsonBody } from "../http/json-body";
import { PROBLEM_CONTENT_TYPE, ProblemError } from "../http/problem";
import type { RequestContexts } from "../http/request-context";
import { type ClaimedKey, type IdempotencyGuard, isKeyConflict, parseIdempotencyKey, type StoredResponse } from "../idempotency/contract";
import type { Spans } from "../observability/spans";
import { clientAddress } from "../rate-limit/client-address";
import type { SignupRateLimit } from "../rate-limit/signup-rate-limit";
import type { FindUser } from "./find-user";
import type { SignupMetrics, SignupStatus } from "./metrics";
import type { PasswordRulesSummary } from "./model";
import { getUserDocs, signupDocs } from "./openapi";
import type { PasswordPolicy } from "./password-policy";
import type { Signup, SignupPreparation } from "./signup";
import { createSignupValidator } from "./validate-signup";

export const SIGNUP_SCOPE = "POST /signup";

export interface UserRoutesOptions {
  signup: Signup;
  guard: IdempotencyGuard;
  findUser: FindUser;
  spans: Spans;
  contexts: RequestContexts;
  metrics: SignupMetrics;
  passwordRules: PasswordRulesSummary;
  passwordPolicy: PasswordPolicy;
  idempotencyKeyRequired: boolean;
  /** False until migrations have run: requests then get a 503 instead of a missing-table 500. */
  isStarted: () => boolean;
  /** Absent when RATE_LIMIT_SIGNUP is 0. */
  rateLimit?: SignupRateLimit;
  /** How many proxies in front of the service append to X-Forwarded-For (0: none is trusted). */
  trustedProxies: number;
}

/** Answers that name a user (a 201, a duplicate's 409) must not be kept by any cache. */
const NO_STORE = "no-store";

/**
 * A signup's answer, written into Elysia's `set` and handed back as the body string: Elysia then
 * builds one Response. Returning a Response instead makes it copy the transform hook's headers into
 * a second Headers and a second Response (6 % of a replay's CPU in a profile).
 */
function render(response: StoredResponse, replayed: boolean, set: Context["set"]): string {
  set.status = response.status;
  set.headers["content-type"] = response.status >= 400 ? PROBLEM_CONTENT_TYPE : "application/json";
  set.headers["cache-control"] = NO_STORE;
  if (response.location) set.headers.location = response.location;
  if (replayed) {
    set.headers["idempotent-replayed"] = "true";
    set.headers["x-idempotency-hit"] = "true";
  }
  return response.body;
}

/** How a refused signup ended: the outcomes the handler names, else judged by the answer's status. */
function refusalStatus(error: unknown): SignupStatus {
  if (isKeyConflict(error)) return "conflict";
  if (error instanceof ProblemError && error.status === 429) return "rate_limited";
  // Anything but a ProblemError is answered with a 5xx (http/error-mapping.ts).
  return error instanceof ProblemError && error.status < 500 ? "invalid" : "error";
}

const uuidPattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

export function userRoutes(options: UserRoutesOptions) {
  const { signup, guard, findUser, spans, contexts, rateLimit, metrics } = options;
  const validate = createSignupValidator(options.passwordRules, options.passwordPolicy);

  async function handleSignup(
    body: unknown,
    request: Request,
    socketAddress: string | undefined,
  ): Promise<{ response: StoredResponse; replayed: boolean }> {
    const context = contexts.of(request);
    const waitSeconds = rateLimit
      ? await spans.run("rate_limit", {}, () => rateLimit.take(clientAddress(request, socketAddress, options.trustedProxies)))
      : 0;
    if (waitSeconds > 0) {
      throw new ProblemError(429, "rate-limited", "Too Many Requests", "Too many signups from this client; retry later", {
        "retry-after": String(waitSeconds),
      });
    }
    const input = await spans.run("validate", {}, async () => validate.parse(body));
    const key = parseIdempotencyKey(request.headers.get("idempotency-key"));
    if (key === undefined && options.idempotencyKeyRequired) {
      throw new ProblemError(400, "idempotency-key-required", "Idempotency-Key required", "Send an Idempotency-Key header");
    }
    const checkPassword = () => spans.run("password.policy", {}, async () => validate.checkPassword(input));
    let preparation: Promise<SignupPreparation> | undefined;
    const run = (claimed?: ClaimedKey) =>
      signup.run({ input, instance: "/signup", requestId: context.requestId, key: claimed }, preparation);
    // With a key, the guard runs the policy itself, after its lookup: a replay skips it. The
    // duplicate check and the hash then start at once and run while the key is claimed.
    const beforeClaim = async () => {
      await checkPassword();
      preparation = signup.prepare(input);
    };
    if (key === undefined) await checkPassword();
    const { response, replayed } =
      key === undefined ? { response: await run(), replayed: false } : await guard.run(SIGNUP_SCOPE, key, input, run, beforeClaim);
    metrics.signup(replayed ? "replayed" : response.status === 201 ? "success" : "duplicate");
    return { response, replayed };
  }

  /** Every refused signup is counted, also one refused before the handler (the body's parser, the start). */
  function refused(error: unknown): never {
    metrics.signup(refusalStatus(error));
    throw error;
  }

  const requireStarted = () => {
    if (!options.isStarted()) {
      throw new ProblemError(503, "starting", "Service Unavailable", "The service is starting; retry shortly", {
        "retry-after": "1",
      });
    }
  };

  return new Elysia({ name: "users" })
    .post(
      "/signup",
      async ({ body, request, server, set }) => {
        // Asked only when the rate limit needs it: the socket's address costs a native call.
        const socketAddress = rateLimit ? server?.requestIP(request)?.address : undefined;
        const { response, replayed } = await handleSignup(body, request, socketAddress).catch(refused);
        // The status in `set` is also what the access log, the metrics and the tracing plugin read.
        return render(response, replayed, set);
      },
      {
        // Whatever the parser throws is answered with a 4xx (http/http-plugin.ts, PARSE).
        // Only the request is taken from Elysia's context: a hook that takes the whole context
        // makes Elysia parse the headers, cookies and query of every signup for it.
        parse: ({ request }) => {
          // The request's context (its ids and start) begins before the body is read, not after.
          contexts.of(request);
          return parseJsonBody(request).catch((error) => {
            metrics.signup("invalid");
            throw error;
          });
        },
        beforeHandle: () => {
          try {
            requireStarted();
          } catch (error) {
            refused(error);
          }
        },
        detail: signupDocs(options.passwordRules),
      },
    )
    .get(
      "/users/:id",
      async ({ params, set }) => {
        const user = await findUser(params.id);
        if (!user) throw new ProblemError(404, "user-not-found", "User not found", `No user with id ${params.id}`);
        set.headers["cache-control"] = NO_STORE;
        return user;
      },
      {
        params: t.Object({ id: t.String({ pattern: uuidPattern, description: "The user's id (a UUID)" }) }),
        beforeHandle: requireStarted,
        detail: getUserDocs,
      },
    );
}
