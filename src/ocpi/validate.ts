import type { z } from "zod";
import { invalidParameters, malformedJson } from "./errors.js";

/**
 * Checks a value against a schema and returns it unchanged in type; a failure
 * becomes status 2001 with every failing field named by its path.
 */
export function validate<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, 10).map((issue) => {
    const path = issue.path.length === 0 ? what : issue.path.join(".");
    return `${path}: ${issue.message}`;
  });
  throw invalidParameters(`invalid ${what}: ${problems.join("; ")}`);
}

/** Deeper than any OCPI object with room for extensions; deeper bodies cannot be stored. */
export const MAX_JSON_DEPTH = 64;

/**
 * A request body as JSON; a body that is not JSON at all is HTTP 400 with
 * 2001 (status_codes). JSON the hub could forward but never store is
 * refused too (2001), so a push never reaches its receivers while missing
 * from the hub's copy: a NUL character (PostgreSQL's JSON refuses it) and
 * nesting deeper than MAX_JSON_DEPTH.
 */
export function parseJson(text: string): unknown {
  if (text.trim() === "") throw malformedJson("request body is empty; expected a JSON object");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const reason = err instanceof SyntaxError ? `: ${err.message}` : "";
    throw malformedJson(`request body is not valid JSON${reason}`);
  }
  if (hasNulEscape(text)) {
    throw invalidParameters(
      "request body holds a NUL character (\\u0000), which OCPI strings cannot carry",
    );
  }
  if (deeperThan(value, MAX_JSON_DEPTH)) {
    throw invalidParameters(`request body is nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  return value;
}

/** Whether JSON text escapes a NUL: a `\u0000` preceded by an even number of backslashes. */
function hasNulEscape(text: string): boolean {
  for (let at = text.indexOf("\\u0000"); at !== -1; at = text.indexOf("\\u0000", at + 1)) {
    let slashes = 0;
    while (at - slashes - 1 >= 0 && text.charCodeAt(at - slashes - 1) === 92) slashes++;
    if (slashes % 2 === 0) return true;
  }
  return false;
}

function deeperThan(value: unknown, depth: number): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (depth === 0) return true;
  for (const child of Array.isArray(value) ? value : Object.values(value)) {
    if (typeof child === "object" && child !== null && deeperThan(child, depth - 1)) return true;
  }
  return false;
}
