import { Elysia, t } from "elysia";
import { parseJsonBody } from "../http/json-body";
import type { RequestIdRegistry } from "../http/request-context";
import { PROBLEM_CONTENT_TYPE, ProblemError } from "../http/problem";
import type { IdempotencyGuard, StoredResponse } from "../idempotency/guard";
import { parseIdempotencyKey } from "../idempotency/key";
import { type SignupInput, signupBodySchema } from "./model";
import type { Signup } from "./signup";
import type { UserStatements } from "./statements";

export const SIGNUP_SCOPE = "POST /signup";

export interface UserRoutesOptions {
  signup: Signup;
  guard: IdempotencyGuard;
  statements: UserStatements;
  passwordMinLength: number;
  idempotencyKeyRequired: boolean;
  requestIds: RequestIdRegistry;
}

function render(response: StoredResponse, replayed: boolean): Response {
  const headers: Record<string, string> = {
    "content-type": response.status >= 400 ? PROBLEM_CONTENT_TYPE : "application/json",
  };
  if (response.location) headers.location = response.location;
  if (replayed) {
    headers["idempotent-replayed"] = "true";
    headers["x-idempotency-hit"] = "true";
  }
  return new Response(response.body, { status: response.status, headers });
}

const uuidPattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$";

export function userRoutes(options: UserRoutesOptions) {
  const { signup, guard, statements } = options;
  return new Elysia({ name: "users" })
    .post(
      "/signup",
      async ({ body, request }) => {
        const { requestId } = options.requestIds.of(request);
        const key = parseIdempotencyKey(request.headers.get("idempotency-key"));
        if (key === undefined && options.idempotencyKeyRequired) {
          throw new ProblemError(400, "idempotency-key-required", "Idempotency-Key required", "Send an Idempotency-Key header");
        }
        const input = body as SignupInput;
        const run = (lease?: Parameters<Signup>[0]["lease"]) =>
          signup({ input, instance: "/signup", requestId, lease });
        if (key === undefined) return render((await run()).response, false);
        const { response, replayed } = await guard.run(SIGNUP_SCOPE, key, input, run);
        return render(response, replayed);
      },
      { parse: parseJsonBody, body: signupBodySchema(options.passwordMinLength) },
    )
    .get(
      "/users/:id",
      async ({ params }) => {
        const [user] = await statements.findUser.execute({ id: params.id });
        if (!user) throw new ProblemError(404, "user-not-found", "User not found", `No user with id ${params.id}`);
        return { ...user, created_at: user.created_at.toISOString() };
      },
      { params: t.Object({ id: t.String({ pattern: uuidPattern, description: "The user's id (a UUID)" }) }) },
    );
}
