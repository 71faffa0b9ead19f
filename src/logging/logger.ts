import { type DestinationStream, type Logger, pino } from "pino";
import type { Config } from "../config/schema.js";

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
];

/** The root logger: JSON lines, credentials redacted. */
export function createLogger(level: Config["logLevel"], destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "ocpi-hub" },
      redact: { paths: REDACT, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
