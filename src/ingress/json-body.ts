import type { Context } from "hono";
import { malformedJson } from "../ocpi/errors.js";

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

/** The request body as JSON (see parseJson). */
export async function readJson(c: Context): Promise<unknown> {
  return parseJson(await c.req.text());
}
