import type { z } from "zod";
import { adminInvalid } from "./errors.js";

/** The request body checked against `schema`; every issue named in one 400 INVALID_REQUEST. */
export async function parseBody<S extends z.ZodType>(
  schema: S,
  read: () => Promise<unknown>,
): Promise<z.infer<S>> {
  let raw: unknown;
  try {
    raw = await read();
  } catch {
    throw adminInvalid("request body is not valid JSON");
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw adminInvalid(
      parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; "),
    );
  }
  return parsed.data;
}
