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

/** A request body as JSON; a body that is not JSON at all is HTTP 400 with 2001 (status_codes). */
export function parseJson(text: string): unknown {
  if (text.trim() === "") throw malformedJson("request body is empty; expected a JSON object");
  try {
    return JSON.parse(text);
  } catch (err) {
    const reason = err instanceof SyntaxError ? `: ${err.message}` : "";
    throw malformedJson(`request body is not valid JSON${reason}`);
  }
}
