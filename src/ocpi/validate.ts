import type { z } from "zod";
import { invalidParameters, malformedJson } from "./errors.js";
import { toleranceOf, type ValidationMode } from "./tolerance.js";

export type { ValidationMode } from "./tolerance.js";

/**
 * How much of a 2001's message the problems may fill: room for hundreds of
 * them, while a body with thousands still gets an answer of a sane size.
 */
export const MAX_PROBLEMS_CHARS = 32 * 1024;

/** One problem of a value: its JSON path ("" for the value itself) and what is wrong. */
export interface Problem {
  path: string;
  message: string;
}

/** What a check found: the parsed value, or every problem. */
export type Checked<T> = { ok: true; data: T } | { ok: false; problems: Problem[] };

/**
 * Checks a value against a schema under a mode: tolerant ignores the
 * issues of the tolerance policy (ocpi/tolerance.ts), strict reports them
 * with the rule's name. The parsed value is what the schema makes of the
 * value, tolerated fields as given.
 */
export function check<S extends z.ZodType>(
  schema: S,
  value: unknown,
  mode: ValidationMode,
): Checked<z.infer<S>> {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, data: result.data };
  const issues = result.error.issues;
  const problems = mode === "strict" ? issues : issues.filter((i) => toleranceOf(i) === undefined);
  if (problems.length > 0) return { ok: false, problems: problems.map(problemOf) };
  return parseTolerated(schema, value, issues);
}

/**
 * Checks a value against a schema and returns it unchanged in type; a failure
 * becomes status 2001 with every failing field named by its JSON path.
 */
export function validate<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
  mode: ValidationMode,
): z.infer<S> {
  const checked = check(schema, value, mode);
  if (checked.ok) return checked.data;
  throw invalidParameters(`invalid ${what}: ${listProblems(checked.problems, what)}`);
}

/**
 * A path as a partner reads it in its own JSON: `evses[0].connectors[1].max_voltage`;
 * keys that are not plain names in brackets (`extensions["x-y"]`).
 */
export function jsonPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const key of path) {
    if (typeof key === "number") text += `[${key}]`;
    else if (typeof key === "string" && /^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
      text += text === "" ? key : `.${key}`;
    else text += `[${JSON.stringify(String(key))}]`;
  }
  return text;
}

const problemOf = (issue: z.core.$ZodIssue): Problem => ({
  path: jsonPath(issue.path),
  message: issue.message,
});

/**
 * The problems as `path: message`, joined by "; ", up to MAX_PROBLEMS_CHARS;
 * past it, how many were left out. A problem of the value itself is named by `what`.
 */
export function listProblems(problems: readonly Problem[], what: string): string {
  let text = "";
  let listed = 0;
  for (const { path, message } of problems) {
    const next = `${listed === 0 ? "" : "; "}${path || what}: ${message}`;
    if (text.length + next.length > MAX_PROBLEMS_CHARS) break;
    text += next;
    listed++;
  }
  const left = problems.length - listed;
  return left === 0 ? text : `${text}; and ${left} more problem${left === 1 ? "" : "s"} not listed`;
}

/**
 * The parsed value of a body whose only issues are tolerated ones: the
 * schema parses a copy in which each tolerated field holds a stand-in of
 * the spec's form (so that z.object drops unknown keys as it always does),
 * and the given values go back in their place. Every issue of the copy is
 * a real one.
 */
function parseTolerated<S extends z.ZodType>(
  schema: S,
  value: unknown,
  issues: readonly z.core.$ZodIssue[],
): Checked<z.infer<S>> {
  const copy = structuredClone(value);
  for (const issue of issues) {
    const rule = toleranceOf(issue);
    if (rule !== undefined) setAt(copy, issue.path, rule.standIn);
  }
  const again = schema.safeParse(copy);
  if (!again.success) return { ok: false, problems: again.error.issues.map(problemOf) };
  for (const issue of issues) setAt(again.data, issue.path, getAt(value, issue.path));
  return { ok: true, data: again.data };
}

function getAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let at = value;
  for (const key of path) at = (at as Record<PropertyKey, unknown>)[key];
  return at;
}

function setAt(value: unknown, path: readonly PropertyKey[], to: unknown): void {
  const parent = getAt(value, path.slice(0, -1)) as Record<PropertyKey, unknown>;
  parent[path[path.length - 1] as PropertyKey] = to;
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
