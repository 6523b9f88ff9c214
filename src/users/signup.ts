import type { Span } from "@opentelemetry/api";
import { isUniqueViolation, ResultMismatchError } from "../db/errors";
import { cloudEvent, traceparentOf } from "../events/cloud-event";
import { type Problem, problemType } from "../http/problem";
import { type ClaimedKey, leaseLost, type StoredResponse } from "../idempotency/contract";
import type { Spans } from "../observability/spans";
import { normalizeEmail, type SignupInput, type UserView } from "./model";
import type { PasswordHasher } from "./password-hasher";
import type { PwnedPasswordsCheck } from "./pwned-passwords";
import type { UserStatements } from "./statements";
import { newUserId } from "./user-id";
import { invalidSignup, passwordErrors } from "./validate-signup";

const USER_CREATED_EVENT = "signup.user.created";

/** Present when events are on: the signup statement then also writes the user-created event. */
interface SignupEvents {
  /** Called once a user and its event have committed, so the relay publishes without waiting for its poll. */
  recorded(): void;
}

export interface SignupDependencies {
  statements: UserStatements;
  hasher: PasswordHasher;
  spans: Spans;
  events?: SignupEvents;
  /** The online breached-password lookup, when configured. */
  pwnedPasswords?: PwnedPasswordsCheck;
}

export interface SignupRequest {
  input: SignupInput;
  /** Where the answer is addressed; goes into a problem's `instance` and `request_id`. */
  instance: string;
  requestId: string;
  /** Present for a keyed request: the answer is stored under this key (with the user, in one statement). */
  key?: ClaimedKey;
}

/** What a signup learns before it writes: whether the email is taken, else the password's hash. */
export type SignupPreparation = { taken: true } | { taken: false; emailNormalized: string; passwordHash: string };

/**
 * The signup command. Checks for a duplicate before paying for a hash, then writes `users`,
 * `users_read`, (with a key) the idempotency record and (with events) the outbox row in one
 * statement. `prepare` (the check and the hash) can start before the key is claimed, so the
 * claim's round trip runs while the password is hashed.
 */
export function createSignup(deps: SignupDependencies) {
  const { statements, hasher, spans, events, pwnedPasswords } = deps;

  /** The event's placeholders: the user exactly as GET /users/{id} shows it, never the hash. */
  function eventOf(user: UserView, span: Span | undefined) {
    if (!events) return {};
    const eventId = Bun.randomUUIDv7();
    return {
      eventId,
      eventType: USER_CREATED_EVENT,
      eventTime: user.created_at,
      eventPayload: cloudEvent({
        id: eventId,
        type: USER_CREATED_EVENT,
        subject: user.id,
        time: user.created_at,
        data: user,
        traceparent: traceparentOf(span),
      }),
    };
  }

  async function duplicate(request: SignupRequest): Promise<StoredResponse> {
    const problem: Problem = {
      type: problemType("duplicate-email"),
      title: "Email already registered",
      status: 409,
      detail: `User with email ${request.input.email} already exists`,
      instance: request.instance,
      request_id: request.requestId,
    };
    const response = { status: 409, body: JSON.stringify(problem) };
    await request.key?.complete(response);
    return response;
  }

  async function checkAndHash(input: SignupInput): Promise<SignupPreparation> {
    const emailNormalized = normalizeEmail(input.email);
    const [taken] = await spans.run("signup.duplicate_check", {}, () => statements.emailTaken.execute({ emailNormalized }));
    if (taken) return { taken: true };
    if (pwnedPasswords) {
      // After the duplicate check, so a taken email costs no lookup; a refusal releases the key.
      const breached = await spans.run("password.breach_check", {}, () => pwnedPasswords(input.password));
      if (breached.length > 0) throw invalidSignup(passwordErrors(breached));
    }
    const passwordHash = await spans.run("password.hash", {}, () => hasher.hash(input.password));
    return { taken: false, emailNormalized, passwordHash };
  }

  function prepare(input: SignupInput): Promise<SignupPreparation> {
    const preparation = checkAndHash(input);
    // Started ahead of a claim that may fail: then nobody awaits it, and its refusal is dropped
    // here instead of ending the process as an unhandled rejection. Awaiting it still throws.
    preparation.catch(() => {});
    return preparation;
  }

  async function signup(request: SignupRequest, prepared: Promise<SignupPreparation> = prepare(request.input)): Promise<StoredResponse> {
    const { input } = request;
    const lease = request.key?.lease;
    const preparation = await prepared;
    if (preparation.taken) return duplicate(request);
    const { emailNormalized, passwordHash } = preparation;
    // The id's time and created_at are one instant: reads on a replica rely on the id's time.
    const createdMs = Date.now();
    const id = newUserId(createdMs);
    const user: UserView = {
      id,
      name: input.name,
      email: input.email,
      display_name: input.display_name,
      created_at: new Date(createdMs).toISOString(),
    };
    const body = JSON.stringify(user);
    const location = `/users/${id}`;
    const row = {
      id,
      name: input.name,
      email: input.email,
      emailNormalized,
      passwordHash,
      displayName: input.display_name,
      createdAt: user.created_at,
    };
    try {
      await spans.run("signup.persist", { "user.id": id }, (span) => persist(eventOf(user, span)));
    } catch (error) {
      if (isUniqueViolation(error)) return duplicate(request);
      throw error;
    }
    events?.recorded();
    return { status: 201, body, location };

    async function persist(event: ReturnType<typeof eventOf>) {
      if (lease) {
        const inserted = await statements.insertUserCompletingKey.execute({
          ...row,
          ...event,
          ...lease,
          responseStatus: 201,
          responseBody: body,
          responseLocation: location,
        });
        if (inserted.length > 0 && inserted[0]?.id !== id) throw new ResultMismatchError("insert_user_completing_key");
        if (inserted.length === 0) {
          throw leaseLost();
        }
      } else {
        const [inserted] = await statements.insertUser.execute({ ...row, ...event });
        if (inserted?.id !== id) throw new ResultMismatchError("insert_user");
      }
    }
  }

  return { prepare, run: signup };
}

export type Signup = ReturnType<typeof createSignup>;
