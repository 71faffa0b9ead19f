import type { Loss } from "./translation.js";

/**
 * The query strings of token URLs towards a 2.1.1 platform
 * (docs/ocpi-2.1.1/tokens.md). 2.2.1 keys a token by uid and type and puts
 * the type in the Receiver's URL (`?type=`); 2.1.1's Receiver URL has no
 * type; its authorize URL has one, of 2.1.1's two values.
 */

const NO_TYPE = "OCPI 2.1.1 addresses a token by uid alone; its URL has no type";

/**
 * A token Receiver's query (GET, PUT, PATCH) in 2.1.1: none. A type other
 * than RFID (the default of both versions) is a Loss unless the body
 * carries it: a PUT does, a PATCH may.
 */
export function tokenQueryTo211(query: string, body: unknown, losses: Loss[]): string {
  const type = new URLSearchParams(query).get("type") ?? "RFID";
  const carried = typeof body === "object" && body !== null && Object.hasOwn(body, "type");
  if (type !== "RFID" && !carried) losses.push({ field: "type", reason: `${type}: ${NO_TYPE}` });
  return "";
}

/** An authorize query in 2.1.1: the 2.2.1 types 2.1.1 lacks go as OTHER, as in a Token. */
export function authorizeQueryTo211(query: string, losses: Loss[]): string {
  const params = new URLSearchParams(query);
  const type = params.get("type");
  if (type === "AD_HOC_USER" || type === "APP_USER") {
    losses.push({ field: "type", reason: `value ${type} not in OCPI 2.1.1; sent as OTHER` });
    params.set("type", "OTHER");
  }
  return params.toString();
}
