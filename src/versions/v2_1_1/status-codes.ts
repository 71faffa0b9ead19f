import { StatusCode } from "../../ocpi/status-codes.js";

/**
 * A status_code of the hub's own answer as a 2.1.1 platform reads it:
 * 2.1.1 defines 1xxx, 2xxx and 3xxx only (status_codes.md), so the hub
 * errors of 2.2.1 (4xxx) become server errors: 3001 ("unable to use the
 * client's API") when the receiver could not be reached or used, 3000 for
 * the rest. The 2.2.1 code stays in the message, so nothing is lost.
 */
export function statusCodeFor211(
  code: StatusCode,
  message: string | undefined,
): { code: StatusCode; message: string | undefined } {
  if (code < StatusCode.HubError || code >= 5000) return { code, message };
  const mapped =
    code === StatusCode.ReceiverNotConnected
      ? StatusCode.UnableToUseClientApi
      : StatusCode.ServerError;
  const note = `OCPI 2.2.1 hub status ${code}`;
  return { code: mapped, message: message === undefined ? note : `${message} (${note})` };
}
