import { expect } from "vitest";
import type { z } from "zod";
import { OcpiError } from "../../src/ocpi/errors.js";
import { check } from "../../src/ocpi/validate.js";
import type { Example211 } from "./examples-2.1.1.js";

/** A request example of a 2.1.1 page: "PATCH To URL: https://…/locations/NL/TNM/1012/3255\n\n{…}". */
export interface Request211 {
  method: string;
  /** The URL's segments after the module's name, e.g. ["NL", "TNM", "1012", "3255"]. */
  segments: string[];
  body: any;
}

/** The method, URL segments and JSON body of a 2.1.1 request example. */
export function request211(e: Example211, module: string): Request211 {
  const match = /^\s*(\w+) To URL: (\S+)\s*\n([\s\S]*)$/.exec(e.text);
  if (match === null) throw new Error(`line ${e.line} is no request example`);
  const [, method = "", url = "", body = ""] = match;
  const path = new URL(url).pathname;
  const segments = path.slice(path.indexOf(`/${module}/`) + module.length + 2).split("/");
  return { method, segments, body: JSON.parse(body) };
}

/** A fragment example (`"energy_mix": {…}`) as the object it is a member of. */
export function fragment211(e: Example211): any {
  return JSON.parse(`{${e.text}}`);
}

/** `value` is valid under `schema`, strictly (no tolerance rule used); names the problems if not. */
export function expectStrictlyValid(schema: z.ZodType, value: unknown, context: string): void {
  const checked = check(schema, value, "strict");
  expect(checked.ok ? "valid" : JSON.stringify(checked.problems), context).toBe("valid");
}

/** The paths where `schema` refuses `value`, as zod names them ("connectors.0.voltage"). */
export function failingPaths(schema: z.ZodType, value: unknown): string[] {
  const result = schema.safeParse(value);
  return result.success ? [] : result.error.issues.map((issue) => issue.path.join("."));
}

/** The 2001 refusal `translate` throws; fails when it translates. */
export function refusalOfTranslation(translate: () => unknown): OcpiError {
  try {
    translate();
  } catch (err) {
    if (err instanceof OcpiError) {
      expect(err.statusCode).toBe(2001);
      return err;
    }
    throw err;
  }
  throw new Error("the translation did not refuse");
}

/** The fields of a list of losses, in order. */
export const fieldsOf = (losses: readonly { field: string }[]): string[] =>
  losses.map((loss) => loss.field);
