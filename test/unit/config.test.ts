import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/load.js";

describe("loadConfig", () => {
  it("gives the documented defaults on an empty environment", () => {
    const config = loadConfig({});
    expect(config).toEqual({
      port: 3000,
      hubUrl: "http://localhost:3000",
      hubCountryCode: "NL",
      hubPartyId: "HUB",
      database: { kind: "pglite", dataDir: "./data" },
      natsUrl: undefined,
      natsPrefix: "ocpi",
      natsStreamReplicas: 1,
      natsCreds: undefined,
      adminToken: undefined,
      forwardTimeoutMs: 10_000,
      deliveryWindowMs: 120_000,
      deliveryCatchUp: true,
      messageLog: { enabled: true, bodies: false, days: 14 },
      probeIntervalMs: 300_000,
      logLevel: "info",
      host: "0.0.0.0",
      adminListener: undefined,
      hubName: "OCPI Hub",
      hubWebsite: undefined,
      migrateOnStart: true,
      urlPolicy: "open",
      urlAllow: [],
      trustedProxies: [],
      maxBodyBytes: 2 * 1024 * 1024,
      maxRelayBytes: 16 * 1024 * 1024,
      platformRateLimit: 1000,
      validation: "tolerant",
      roamingPolicy: "open",
      tokenEncryptionKey: undefined,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("reads every variable of the architecture table", () => {
    const config = loadConfig({
      PORT: "8080",
      HUB_URL: "https://hub.example.com/",
      HUB_COUNTRY_CODE: "de",
      HUB_PARTY_ID: "abc",
      DATABASE_URL: "postgres://u@db:5432/hub",
      DATA_DIR: "/var/lib/hub",
      NATS_URL: "nats://nats:4222",
      ADMIN_TOKEN: "a-long-enough-admin-token",
      FORWARD_TIMEOUT_MS: "2500",
      DELIVERY_WINDOW_MS: "30000",
      DELIVERY_CATCH_UP: "false",
      PROBE_INTERVAL_MS: "60000",
      LOG_LEVEL: "debug",
      HOST: "127.0.0.1",
      URL_ALLOW: "partner.example.com, 10.1.0.0/16",
      TRUSTED_PROXIES: "10.0.0.1, fd00::/8",
      MAX_BODY_BYTES: "65536",
      MAX_RELAY_BYTES: "1048576",
      PLATFORM_RATE_LIMIT: "50",
      VALIDATION: "strict",
      ROAMING_POLICY: "agreements",
      TOKEN_ENCRYPTION_KEY: "ab".repeat(32),
      ADMIN_PORT: "9090",
      ADMIN_HOST: "10.0.0.5",
      HUB_NAME: " Example Roaming ",
      HUB_WEBSITE: "https://roaming.example.com/about/",
      MIGRATE_ON_START: "false",
      NODE_ENV: "production",
    });
    expect(config).toMatchObject({
      port: 8080,
      hubUrl: "https://hub.example.com",
      hubCountryCode: "DE",
      hubPartyId: "ABC",
      database: { kind: "postgres", url: "postgres://u@db:5432/hub" },
      natsUrl: "nats://nats:4222",
      adminToken: "a-long-enough-admin-token",
      forwardTimeoutMs: 2500,
      deliveryWindowMs: 30_000,
      deliveryCatchUp: false,
      probeIntervalMs: 60_000,
      logLevel: "debug",
      host: "127.0.0.1",
      adminListener: { port: 9090, host: "10.0.0.5" },
      hubName: "Example Roaming",
      hubWebsite: "https://roaming.example.com/about/",
      migrateOnStart: false,
      urlPolicy: "strict",
      urlAllow: ["partner.example.com", "10.1.0.0/16"],
      trustedProxies: ["10.0.0.1", "fd00::/8"],
      maxBodyBytes: 65_536,
      maxRelayBytes: 1_048_576,
      platformRateLimit: 50,
      validation: "strict",
      roamingPolicy: "agreements",
    });
    expect(config.tokenEncryptionKey).toEqual(Buffer.alloc(32, 0xab));
    expect(loadConfig({ HUB_URL: "https://h.example", URL_POLICY: "open" }).urlPolicy).toBe("open");
    expect(loadConfig({ PORT: "4000" }).hubUrl).toBe("http://localhost:4000");
    expect(loadConfig({ DATABASE_URL: "memory://" }).database).toEqual({ kind: "pglite-memory" });
  });

  it("treats empty values as unset", () => {
    expect(loadConfig({ PORT: "", NATS_URL: "" })).toMatchObject({
      port: 3000,
      natsUrl: undefined,
    });
  });

  it.each([
    ["PORT", "abc"],
    ["PORT", "70000"],
    ["PORT", "3.5"],
    ["HUB_URL", "hub.example.com"],
    ["HUB_COUNTRY_CODE", "NLD"],
    ["HUB_PARTY_ID", "HU"],
    ["DATABASE_URL", "mysql://localhost/x"],
    ["NATS_URL", "http://nats:4222"],
    ["ADMIN_TOKEN", "short"],
    ["FORWARD_TIMEOUT_MS", "soon"],
    ["DELIVERY_WINDOW_MS", "500"],
    ["DELIVERY_CATCH_UP", "yes"],
    ["PROBE_INTERVAL_MS", "-1"],
    ["LOG_LEVEL", "loud"],
    ["HOST", "a host"],
    ["URL_POLICY", "loose"],
    ["URL_ALLOW", "partner.example.com, not a host"],
    ["URL_ALLOW", "10.0.0.0/99"],
    ["TRUSTED_PROXIES", "proxy.example.com"],
    ["MAX_BODY_BYTES", "10"],
    ["MAX_RELAY_BYTES", "lots"],
    ["VALIDATION", "lenient"],
    ["ROAMING_POLICY", "closed"],
    ["PLATFORM_RATE_LIMIT", "0"],
    ["TOKEN_ENCRYPTION_KEY", "too-short"],
    ["ADMIN_PORT", "0"],
    ["ADMIN_HOST", "local host"],
    ["HUB_NAME", "   "],
    ["HUB_NAME", "x".repeat(101)],
    ["HUB_WEBSITE", "www.example.com"],
    ["MIGRATE_ON_START", "no"],
  ])("refuses %s=%s with one line naming the variable", (name, value) => {
    let error: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain(name);
    expect(message).not.toContain("\n");
  });

  it("names every bad variable at once and never echoes the admin token", () => {
    const message = (() => {
      try {
        loadConfig({ PORT: "x", LOG_LEVEL: "loud", ADMIN_TOKEN: "secret" });
      } catch (err) {
        return (err as Error).message;
      }
      return "";
    })();
    expect(message).toMatch(/PORT.*LOG_LEVEL.*ADMIN_TOKEN|PORT.*ADMIN_TOKEN.*LOG_LEVEL/);
    expect(message).not.toContain("secret");
  });

  it("binds the admin listener to 127.0.0.1 unless ADMIN_HOST says otherwise", () => {
    expect(loadConfig({ ADMIN_PORT: "3001" }).adminListener).toEqual({
      port: 3001,
      host: "127.0.0.1",
    });
  });

  it("refuses ADMIN_PORT equal to PORT, naming ADMIN_PORT", () => {
    expect(() => loadConfig({ PORT: "4000", ADMIN_PORT: "4000" })).toThrow(
      /^invalid configuration: ADMIN_PORT must differ from PORT/,
    );
    expect(() => loadConfig({ ADMIN_PORT: "3000" })).toThrow(/ADMIN_PORT/);
  });

  describe("NODE_ENV=production", () => {
    const message = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      return "";
    };

    it("refuses a missing HUB_URL in one line naming HUB_URL", () => {
      const text = message({ NODE_ENV: "production" });
      expect(text).toMatch(/\bHUB_URL must be set\b.*https/);
      expect(text).not.toContain("\n");
    });

    it("refuses a plain-http HUB_URL, showing the value", () => {
      const text = message({ NODE_ENV: "production", HUB_URL: "http://hub.example.com" });
      expect(text).toContain(
        'HUB_URL must be an https:// URL when NODE_ENV=production (got "http://hub.example.com")',
      );
    });

    it("lists a malformed HUB_URL once, beside other bad variables", () => {
      const text = message({ NODE_ENV: "production", HUB_URL: "hub", PORT: "x" });
      expect(text.match(/HUB_URL/g)?.length).toBe(1);
      expect(text).toContain("PORT");
    });

    it("starts with an https HUB_URL, and other NODE_ENV values ask nothing of HUB_URL", () => {
      expect(
        loadConfig({ NODE_ENV: "production", HUB_URL: "https://hub.example.com" }).hubUrl,
      ).toBe("https://hub.example.com");
      expect(loadConfig({ NODE_ENV: "development" }).hubUrl).toBe("http://localhost:3000");
    });
  });
});
