import type { TSchema } from "@sinclair/typebox";
import { t } from "elysia";
import type { OpenAPIV3 } from "openapi-types";

/** TypeBox schemas are JSON Schema (what OpenAPI 3.1 takes); the OpenAPI types only know 3.0's subset. */
export const jsonSchema = (schema: TSchema) => schema as unknown as OpenAPIV3.SchemaObject;

export const problemSchema = t.Object(
  {
    type: t.String({ examples: ["urn:signup-service:problem:duplicate-email"] }),
    title: t.String({ examples: ["Email already registered"] }),
    status: t.Integer({ examples: [409] }),
    detail: t.Optional(t.String({ examples: ["User with email ana@example.com already exists"] })),
    instance: t.Optional(t.String({ examples: ["/signup"] })),
    request_id: t.Optional(t.String()),
    errors: t.Optional(
      t.Array(
        t.Object({
          field: t.String({ examples: ["password"] }),
          rule: t.Optional(t.String({ description: "The rule broken, where one is named", examples: ["common"] })),
          message: t.String(),
        }),
        {
          description: "Validation failures: one entry per field and rule; values are never echoed",
        },
      ),
    ),
  },
  { description: "RFC 9457 problem details" },
);

const header = (description: string, schema: OpenAPIV3.SchemaObject = { type: "string" }) => ({ description, schema });

export const commonResponseHeaders = {
  "X-Request-Id": header("The request's id: the one sent, if safe, else a new UUIDv7"),
  "X-Correlation-Id": header("The correlation id sent, else the request id"),
};

/** An OpenAPI response object for a problem+json answer. */
export const problemResponse = (
  description: string,
  headers: Record<string, OpenAPIV3.HeaderObject> = {},
): OpenAPIV3.ResponseObject => ({
  description,
  headers: { ...commonResponseHeaders, ...headers },
  content: { "application/problem+json": { schema: jsonSchema(problemSchema) } },
});

export const retryAfterHeader = { "Retry-After": header("Seconds to wait before retrying", { type: "integer" }) };
