import { isUniqueViolation } from "../db/errors";
import { type Problem, problemType } from "../http/problem";
import { keyInProgress } from "../idempotency/problems";
import type { Execution, KeyLease } from "../idempotency/guard";
import { type SignupInput, type UserView, normalizeEmail } from "./model";
import type { PasswordHasher } from "./password-hasher";
import type { PwnedPasswordsCheck } from "./pwned-passwords";
import type { UserStatements } from "./statements";
import { invalidSignup, passwordErrors } from "./validate-signup";
import type { Spans } from "../observability/spans";

export interface SignupDependencies {
  statements: UserStatements;
  hasher: PasswordHasher;
  spans: Spans;
  /** The online breached-password lookup, when configured. */
  pwnedPasswords?: PwnedPasswordsCheck;
}

export interface SignupRequest {
  input: SignupInput;
  /** Where the answer is addressed; goes into a problem's `instance` and `request_id`. */
  instance: string;
  requestId: string;
  /** Present for a keyed request: the response commits under this key with the user. */
  lease?: KeyLease;
}

/**
 * The signup command. Checks for a duplicate before paying for a hash, then writes `users`,
 * `users_read` and (with a key) the idempotency record in one statement.
 */
export function createSignup(deps: SignupDependencies) {
  const { statements, hasher, spans, pwnedPasswords } = deps;

  function duplicate(request: SignupRequest): Execution {
    const problem: Problem = {
      type: problemType("duplicate-email"),
      title: "Email already registered",
      status: 409,
      detail: `User with email ${request.input.email} already exists`,
      instance: request.instance,
      request_id: request.requestId,
    };
    return { response: { status: 409, body: JSON.stringify(problem) }, persisted: false };
  }

  return async function signup(request: SignupRequest): Promise<Execution> {
    const { input, lease } = request;
    const emailNormalized = normalizeEmail(input.email);
    const [taken] = await spans.run("signup.duplicate_check", {}, () => statements.emailTaken.execute({ emailNormalized }));
    if (taken) return duplicate(request);
    if (pwnedPasswords) {
      // After the duplicate check, so a taken email costs no lookup; a refusal releases the key.
      const breached = await spans.run("password.breach_check", {}, () => pwnedPasswords(input.password));
      if (breached.length > 0) throw invalidSignup(passwordErrors(breached));
    }

    const passwordHash = await spans.run("password.hash", {}, () => hasher.hash(input.password));
    const id = Bun.randomUUIDv7();
    const user: UserView = {
      id,
      name: input.name,
      email: input.email,
      display_name: input.display_name,
      created_at: new Date().toISOString(),
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
      await spans.run("signup.persist", { "user.id": id }, () => persist());
    } catch (error) {
      if (isUniqueViolation(error)) return duplicate(request);
      throw error;
    }
    return { response: { status: 201, body, location }, persisted: lease !== undefined };

    async function persist() {
      if (lease) {
        const inserted = await statements.insertUserCompletingKey.execute({
          ...row,
          ...lease,
          responseStatus: 201,
          responseBody: body,
          responseLocation: location,
        });
        if (inserted.length === 0) {
          throw keyInProgress(
            1,
            "This request took too long and another request with the same Idempotency-Key took over; retry to get its result",
          );
        }
      } else {
        await statements.insertUser.execute(row);
      }
    }
  };
}

export type Signup = ReturnType<typeof createSignup>;
