import type { z } from "zod";
import type { Deps } from "../../deps.js";
import { OutboundError, type OutboundResponse } from "../../egress/ocpi-client.js";
import { isEnvelope } from "../../ocpi/envelope.js";
import { unableToUseClientApi } from "../../ocpi/errors.js";
import { StatusCode } from "../../ocpi/status-codes.js";
import type { TokenEncoding } from "../../ocpi/tokens.js";
import { check, type ValidationMode } from "../../ocpi/validate.js";

/**
 * One call to the platform; transport failures become 3001 (credentials: Errors during
 * registration) naming only their kind: codes and bodies would let a registering party
 * map what answers at an address it names. The log keeps them.
 */
export async function call(
  deps: Deps,
  method: "GET" | "POST" | "PUT" | "DELETE",
  url: string,
  token: string,
  encoding: TokenEncoding,
  correlationId: string | undefined,
  options: { body?: unknown; what: string },
): Promise<OutboundResponse> {
  try {
    return await deps.client.send({
      method,
      url,
      token,
      encoding,
      body: options.body,
      correlationId,
    });
  } catch (err) {
    if (err instanceof OutboundError) {
      if (err.httpStatus === 401) {
        return {
          status: 401,
          headers: {},
          body: { status_code: StatusCode.ClientError, timestamp: "" },
          text: "",
          requestId: "",
        };
      }
      deps.logger.warn(
        { url, failure: err.failure, reason: err.message },
        `registration: the platform's ${options.what} endpoint could not be used`,
      );
      const kind = err.failure === "url-refused" ? err.reason : err.failure.replace("-", " ");
      throw unableToUseClientApi(`could not use the platform's ${options.what} endpoint (${kind})`);
    }
    throw err;
  }
}

/**
 * The data of a platform's answer during registration, checked against
 * `schema` under the hub's VALIDATION `mode`; anything else is 3001 naming
 * the first problem.
 */
export function parseData<T>(
  res: OutboundResponse,
  schema: z.ZodType<T>,
  url: string,
  what: string,
  mode: ValidationMode,
): T {
  if (res.status === 401) {
    throw unableToUseClientApi(`the platform refused the token at ${url} (HTTP 401)`);
  }
  const body = res.body;
  if (!isEnvelope(body) || body.status_code !== StatusCode.Success || res.status >= 300) {
    const code = isEnvelope(body) ? `status_code ${body.status_code}` : "no envelope";
    const message = isEnvelope(body) && body.status_message ? `: ${body.status_message}` : "";
    throw unableToUseClientApi(
      `the platform's ${what} at ${url} answered HTTP ${res.status}, ${code}${message}`,
    );
  }
  const checked = check(schema, body.data, mode);
  if (!checked.ok) {
    const first = checked.problems[0];
    const where = first ? `${first.path || "data"}: ${first.message}` : "invalid";
    throw unableToUseClientApi(`the platform's ${what} at ${url} are not valid OCPI (${where})`);
  }
  return checked.data;
}
