import { type TSchema, Type } from "@sinclair/typebox";
import { t } from "elysia";
import type { OpenAPIV3 } from "openapi-types";
import { PROBLEM_CONTENT_TYPE } from "./problem";

/** TypeBox schemas are JSON Schema (what OpenAPI 3.1 takes); the OpenAPI types only know 3.0's subset. */
export const jsonSchema = (schema: TSchema) => schema as unknown as OpenAPIV3.SchemaObject;

export const problemSchema = t.Object(
  {
    type: t.String({ examples: ["urn:signup-service:problem:duplicate-email"] }),
    title: t.String({ examples: ["Email already registered"] }),
    // TypeBox's integer, not Elysia's `t.Integer`, which also accepts (and documents) numeric strings.
    status: Type.Integer({ minimum: 400, maximum: 599, examples: [409] }),
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

const header = (description: string, schema: OpenAPIV3.SchemaObject = { type: "string" }): OpenAPIV3.HeaderObject => ({
  description,
  schema,
});

const requiredHeader = (description: string, schema: OpenAPIV3.SchemaObject = { type: "string" }): OpenAPIV3.HeaderObject => ({
  ...header(description, schema),
  required: true,
});

/** Headers on every answer of the service, whoever produces it. */
export const commonResponseHeaders: Record<string, OpenAPIV3.HeaderObject> = {
  "X-Request-Id": requiredHeader("The request's id: the one sent, if safe, else a new UUIDv7"),
  "X-Correlation-Id": requiredHeader("The correlation id sent, else the request id"),
  "X-Content-Type-Options": requiredHeader("Always `nosniff`: the content type is the only one to read the body as", {
    type: "string",
    enum: ["nosniff"],
  }),
};

/** Ids a client may send; one that is not 1-128 safe characters is replaced by a new one, not refused. */
export const requestIdParameters: OpenAPIV3.ParameterObject[] = [
  { name: "X-Request-Id", in: "header", required: false, description: "Echoed when 1-128 safe characters", schema: { type: "string" } },
  { name: "X-Correlation-Id", in: "header", required: false, description: "Echoed when 1-128 safe characters", schema: { type: "string" } },
];

/** For answers that carry personal data: no cache may keep them. */
export const noStoreHeader: Record<string, OpenAPIV3.HeaderObject> = {
  "Cache-Control": header("`no-store`: the answer carries personal data", { type: "string", enum: ["no-store"] }),
};

export const retryAfterHeader: Record<string, OpenAPIV3.HeaderObject> = {
  "Retry-After": header("Seconds to wait before retrying", { type: "integer", minimum: 0 }),
};

/** Where the document keeps `problemSchema` (the docs plugin puts it there), so every problem response names one schema. */
export const PROBLEM_SCHEMA_REF = "#/components/schemas/Problem";

/** An OpenAPI response object for a problem+json answer. */
export const problemResponse = (description: string, headers: Record<string, OpenAPIV3.HeaderObject> = {}): OpenAPIV3.ResponseObject => ({
  description,
  headers: { ...commonResponseHeaders, ...headers },
  content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: PROBLEM_SCHEMA_REF } } },
});

/** An OpenAPI response object for a JSON answer of this schema. */
export const jsonResponse = (
  description: string,
  schema: TSchema,
  headers: Record<string, OpenAPIV3.HeaderObject> = {},
): OpenAPIV3.ResponseObject => ({
  description,
  headers: { ...commonResponseHeaders, ...headers },
  content: { "application/json": { schema: jsonSchema(schema) } },
});

/** The problems any route can answer: a body or target the service cannot take, or its own failure. */
export const unexpectedFailureResponse = problemResponse("Unexpected failure; nothing was stored");
