import { z } from "zod";

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const port = z.coerce
  .number({ error: "must be a whole number between 1 and 65535" })
  .int("must be a whole number between 1 and 65535")
  .min(1, "must be a whole number between 1 and 65535")
  .max(65535, "must be a whole number between 1 and 65535");

const httpUrl = z
  .string()
  .refine((value) => /^https?:\/\/[^\s/]+/i.test(value) && URL.canParse(value), {
    message: "must be an absolute http(s) URL",
  })
  .transform((value) => value.replace(/\/+$/, ""));

const databaseUrl = z
  .string()
  .refine((value) => /^(postgres|postgresql):\/\/\S+$|^memory:\/\/$/.test(value), {
    message: "must be postgres://…, postgresql://… or memory://",
  });

const natsUrl = z.string().refine((value) => /^(nats|tls|ws|wss):\/\/\S+$/.test(value), {
  message: "must be a nats://host:port URL",
});

/**
 * Every environment variable the hub reads (architecture.md, Configuration).
 * Empty strings count as unset so that `FOO= npm start` means "use the default".
 */
export const envSchema = z.object({
  PORT: port.default(3000),
  HUB_URL: httpUrl.optional(),
  HUB_COUNTRY_CODE: z
    .string()
    .regex(/^[A-Za-z]{2}$/, "must be an ISO 3166-1 alpha-2 country code, two letters")
    .default("NL")
    .transform((value) => value.toUpperCase()),
  HUB_PARTY_ID: z
    .string()
    .regex(/^[A-Za-z0-9]{3}$/, "must be three letters or digits")
    .default("HUB")
    .transform((value) => value.toUpperCase()),
  DATABASE_URL: databaseUrl.optional(),
  DATA_DIR: z.string().min(1).default("./data"),
  NATS_URL: natsUrl.optional(),
  ADMIN_TOKEN: z
    .string()
    .min(16, "must be at least 16 characters")
    .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces")
    .optional(),
  FORWARD_TIMEOUT_MS: z.coerce
    .number({ error: "must be a whole number of milliseconds" })
    .int("must be a whole number of milliseconds")
    .min(100, "must be at least 100")
    .max(600_000, "must be at most 600000")
    .default(10_000),
  DELIVERY_WINDOW_MS: z.coerce
    .number({ error: "must be a whole number of milliseconds" })
    .int("must be a whole number of milliseconds")
    .min(1_000, "must be at least 1000")
    .max(86_400_000, "must be at most 86400000")
    .default(120_000),
  DELIVERY_CATCH_UP: z
    .enum(["true", "false"], { error: "must be true or false" })
    .default("true")
    .transform((value) => value === "true"),
  PROBE_INTERVAL_MS: z.coerce
    .number({ error: "must be a whole number of milliseconds" })
    .int("must be a whole number of milliseconds")
    .min(500, "must be at least 500")
    .max(86_400_000, "must be at most 86400000")
    .default(300_000),
  LOG_LEVEL: z
    .enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` })
    .default("info"),
});

export type Env = z.infer<typeof envSchema>;

export type DatabaseLocation =
  | { kind: "postgres"; url: string }
  | { kind: "pglite"; dataDir: string }
  | { kind: "pglite-memory" };

/** The validated, resolved configuration; frozen by loadConfig. */
export interface Config {
  port: number;
  hubUrl: string;
  hubCountryCode: string;
  hubPartyId: string;
  database: DatabaseLocation;
  natsUrl: string | undefined;
  adminToken: string | undefined;
  forwardTimeoutMs: number;
  /** How long a delivery is retried before its recipient counts as OFFLINE. */
  deliveryWindowMs: number;
  /** Whether a recipient back from OFFLINE is sent what changed while it was away. */
  deliveryCatchUp: boolean;
  /** How often the versions endpoint of an OFFLINE platform is tried. */
  probeIntervalMs: number;
  logLevel: (typeof LOG_LEVELS)[number];
}
