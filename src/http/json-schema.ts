import Ajv, { type Options } from "ajv";
import addFormats from "ajv-formats";

/**
 * A JSON Schema validator that reads schemas as the OpenAPI document states them: lengths in
 * characters (code points, not UTF-16 units) and patterns as Unicode regular expressions.
 * TypeBox's own checker counts UTF-16 units, so 255 emoji would fail a 255-character maximum.
 */
export function createJsonSchemaValidator(options: Options = {}) {
  const ajv = new Ajv({ allErrors: true, unicodeRegExp: true, strict: true, ...options });
  addFormats(ajv);
  return ajv;
}
