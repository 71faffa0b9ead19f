import { type DestinationStream, type Logger, pino } from "pino";
import type { Config } from "../config/schema.js";
import { redactText, redactValue, serializeError } from "./redact.js";

export type { Logger };

/** Paths that may hold a credential; pino replaces their values before a line is written. */
const REDACT = [
  "token",
  "*.token",
  "token_a",
  "*.token_a",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "*.headers.authorization",
  "adminToken",
  "outboundToken",
  "*.outboundToken",
];

/**
 * The root logger: JSON lines, credentials redacted. Every line's fields
 * and message pass through redact.ts: URLs lose their userinfo and
 * credential-like query values, and errors are serialized without the
 * query parameters and row values database drivers attach to them.
 */
export function createLogger(level: Config["logLevel"], destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "ocpi-hub" },
      redact: { paths: REDACT, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: serializeError, msg: redactText },
      formatters: {
        level: (label) => ({ level: label }),
        log: (fields) => redactValue(fields) as Record<string, unknown>,
      },
    },
    destination,
  );
}
