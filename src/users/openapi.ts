import type { DocumentDecoration } from "elysia";
import type { OpenAPIV3 } from "openapi-types";
import {
  jsonResponse,
  jsonSchema,
  noStoreHeader,
  problemResponse,
  requestIdParameters,
  retryAfterHeader,
  unexpectedFailureResponse,
} from "../http/problem-schema";
import { idempotencyKeySchema } from "../idempotency/contract";
import { type PasswordRulesSummary, signupBodySchema, userSchema } from "./model";

const replayHeaders: Record<string, OpenAPIV3.HeaderObject> = {
  "Idempotent-Replayed": {
    description: "`true` when this is a stored response replayed for a retry",
    schema: { type: "string", enum: ["true"] },
  },
  "X-Idempotency-Hit": {
    description: "`true` when this is a stored response (the seed's header)",
    schema: { type: "string", enum: ["true"] },
  },
};

const required = (headers: Record<string, OpenAPIV3.HeaderObject>) =>
  Object.fromEntries(Object.entries(headers).map(([name, header]) => [name, { ...header, required: true }]));

const starting = "Starting (retry after Retry-After)";

export const signupDocs = (passwordRules: PasswordRulesSummary): DocumentDecoration => ({
  summary: "Register a user",
  description:
    "Creates a user. With an `Idempotency-Key`, a retry of the same request replays the first answer " +
    "(byte for byte, with `Idempotent-Replayed: true`) and never creates a second user.",
  tags: ["users"],
  parameters: [
    {
      name: "Idempotency-Key",
      in: "header",
      required: false,
      description: '1-255 visible ASCII characters other than `"`; the quoted form of the IETF draft ("abc") is the same key',
      schema: jsonSchema(idempotencyKeySchema),
      example: "8e03978e-40d5-43e8-bc93-6894a57f9324",
    },
    ...requestIdParameters,
  ],
  requestBody: {
    required: true,
    content: {
      "application/json": {
        schema: jsonSchema(signupBodySchema(passwordRules)),
        example: { name: "Ana", email: "ana@example.com", password: "Velero-Azul-27", display_name: "Ana G" },
      },
    },
  },
  responses: {
    201: jsonResponse("Created; also the replay of a completed keyed request", userSchema, {
      ...required({ ...noStoreHeader, Location: { description: "/users/{id}", schema: { type: "string", pattern: "^/users/" } } }),
      ...replayHeaders,
    }),
    400: problemResponse("Malformed JSON, or a malformed or missing (when required) Idempotency-Key"),
    409: problemResponse(
      "The email is already registered (stored under the key and replayed), or a request with the same key is in progress (with Retry-After)",
      { ...noStoreHeader, ...retryAfterHeader, ...replayHeaders },
    ),
    413: problemResponse("The body is over 64 KiB"),
    415: problemResponse("The body is not application/json"),
    422: problemResponse("A field breaks its rule (each listed in `errors`), or the key was used with another payload"),
    429: problemResponse("Too many signups from this client; retry after Retry-After", required(retryAfterHeader)),
    500: problemResponse("Unexpected failure; the key is released, so a retry runs again"),
    503: problemResponse(
      `${starting}, overloaded or the database is unreachable; the key is released; retry after Retry-After`,
      required(retryAfterHeader),
    ),
  },
});

export const getUserDocs: DocumentDecoration = {
  summary: "Get a user from the read model",
  tags: ["users"],
  parameters: requestIdParameters,
  responses: {
    200: jsonResponse("The user", userSchema, required(noStoreHeader)),
    404: problemResponse("No user with this id"),
    422: problemResponse("The id is not a UUID"),
    500: unexpectedFailureResponse,
    503: problemResponse(
      `${starting}, the database is unreachable or did not answer within DATABASE_TIMEOUT, or too many reads of just-created users at once; retry after Retry-After`,
      required(retryAfterHeader),
    ),
  },
};
