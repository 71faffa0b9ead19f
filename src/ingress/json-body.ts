import type { Context } from "hono";
import { parseJson } from "../ocpi/validate.js";

/** The request body as JSON (see parseJson). */
export async function readJson(c: Context): Promise<unknown> {
  return parseJson(await c.req.text());
}
