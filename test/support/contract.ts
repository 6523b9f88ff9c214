import type { ValidateFunction } from "ajv";
import { createJsonSchemaValidator } from "../../src/http/json-schema";
import { PROBLEM_CONTENT_TYPE } from "../../src/http/problem";
import { commonResponseHeaders, PROBLEM_SCHEMA_REF } from "../../src/http/problem-schema";

type Schema = Record<string, unknown>;
interface Header {
  required?: boolean;
  schema?: Schema;
}
interface ResponseSpec {
  headers?: Record<string, Header>;
  content?: Record<string, { schema?: Schema }>;
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, { responses?: Record<string, ResponseSpec> }>>;
  components?: { schemas?: Record<string, Schema> };
}

/** What the checker reads of an answer. */
export interface Answer {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/** The docs UI and the document itself are not operations of the API the document describes. */
const UNDOCUMENTED = /^\/docs(?:\/|$)/;

/** Where a document's `$ref` points, inlined: the validator then needs no knowledge of OpenAPI. */
function inlineRefs(value: unknown, document: OpenApiDocument): unknown {
  if (Array.isArray(value)) return value.map((item) => inlineRefs(item, document));
  if (value === null || typeof value !== "object") return value;
  const ref = (value as { $ref?: unknown }).$ref;
  if (typeof ref === "string") {
    const name = ref.replace("#/components/schemas/", "");
    const target = document.components?.schemas?.[name];
    if (!target) throw new Error(`the document refers to ${ref}, which it does not define`);
    return inlineRefs(target, document);
  }
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, inlineRefs(item, document)]));
}

const templateRegex = (template: string) => new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}$`);

const mediaType = (contentType: string | null) => (contentType ?? "").split(";", 1)[0]!.trim().toLowerCase();

/**
 * Checks answers against an OpenAPI document: the status must be declared for the operation, the
 * content type must be one the status declares, the body must match that content's schema, and
 * every declared header must be present when required and match its schema when sent. Answers
 * to requests no operation matches (unknown routes, odd targets) must be the document's Problem.
 */
export function createContractChecker(document: OpenApiDocument) {
  const ajv = createJsonSchemaValidator({ strict: false });
  const validators = new Map<unknown, ValidateFunction>();
  const validatorOf = (schema: Schema) => {
    let validate = validators.get(schema);
    if (!validate) {
      validate = ajv.compile(inlineRefs(schema, document) as Schema);
      validators.set(schema, validate);
    }
    return validate;
  };
  const routes = Object.entries(document.paths).map(([template, operations]) => ({
    template,
    regex: templateRegex(template),
    operations,
  }));
  const unmatchedAnswer: ResponseSpec = {
    headers: commonResponseHeaders as Record<string, Header>,
    content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: PROBLEM_SCHEMA_REF } } },
  };

  function specFor(method: string, path: string | undefined, status: number): { name: string; spec: ResponseSpec } {
    const route = path === undefined ? undefined : routes.find((candidate) => candidate.regex.test(path));
    const operation = route?.operations[method.toLowerCase()];
    if (!route || !operation) {
      if (status < 400 || status >= 500) throw new Error(`${method} ${path}: no operation, yet answered ${status} (not a 4xx problem)`);
      return { name: `${method} ${path} (no operation)`, spec: unmatchedAnswer };
    }
    const name = `${method} ${route.template}`;
    const responses = operation.responses ?? {};
    const spec = responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default;
    if (!spec) throw new Error(`${name}: status ${status} is not declared (declared: ${Object.keys(responses).join(", ")})`);
    return { name: `${name} ${status}`, spec };
  }

  return {
    /** Throws with what differs; `response` is read, so pass a clone. */
    async check(method: string, url: string, response: Answer): Promise<void> {
      let path: string | undefined;
      try {
        path = new URL(url).pathname;
      } catch {
        path = undefined;
      }
      if (path !== undefined && UNDOCUMENTED.test(path)) return;
      // HEAD is GET without the body (RFC 9110), which the server answers for every GET route.
      const head = method === "HEAD";
      const { name, spec } = specFor(head ? "GET" : method, path, response.status);
      const failures: string[] = [];
      for (const [header, declared] of Object.entries(spec.headers ?? {})) {
        const value = response.headers.get(header);
        if (value === null) {
          if (declared.required) failures.push(`header ${header} is required`);
          continue;
        }
        if (!declared.schema) continue;
        const typed = declared.schema.type === "integer" || declared.schema.type === "number" ? Number(value) : value;
        const validate = validatorOf(declared.schema);
        if (!validate(typed)) failures.push(`header ${header}: ${ajv.errorsText(validate.errors)}`);
      }
      const body = await response.text();
      const type = mediaType(response.headers.get("content-type"));
      const content = spec.content ?? {};
      if (head) {
        if (body.length > 0) failures.push("a HEAD answer has a body");
      } else if (Object.keys(content).length === 0) {
        if (body.length > 0) failures.push(`declares no body, got ${type || "an untyped"} body`);
      } else if (!(type in content)) {
        failures.push(`content type ${type || "(none)"} is not declared (declared: ${Object.keys(content).join(", ")})`);
      } else {
        const schema = content[type]!.schema;
        if (schema) {
          let value: unknown = body;
          if (type.endsWith("json")) {
            try {
              value = JSON.parse(body);
            } catch {
              failures.push("the body is not JSON");
            }
          }
          const validate = validatorOf(schema);
          if (failures.length === 0 && !validate(value)) failures.push(`body: ${ajv.errorsText(validate.errors)}`);
        }
      }
      if (failures.length > 0) throw new Error(`answer outside the contract: ${name}: ${failures.join("; ")}`);
    },
  };
}

/**
 * Wraps an app's `handle` so that every answer is checked against the app's own document (read
 * once, on first use): an answer outside the contract makes the request, and so the test, fail.
 */
export function checkAnswersAgainstDocument<T extends { handle: (request: Request) => Promise<Response> }>(app: T): T {
  const handle = app.handle.bind(app);
  let checker: Promise<ReturnType<typeof createContractChecker>> | undefined;
  const contract = () =>
    (checker ??= handle(new Request("http://localhost/docs/json")).then(async (response) =>
      createContractChecker((await response.json()) as OpenApiDocument),
    ));
  app.handle = async (request: Request) => {
    const { method, url } = request;
    const response = await handle(request);
    await (await contract()).check(method, url, response.clone());
    return response;
  };
  return app;
}
