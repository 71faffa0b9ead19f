import { describe, expect, it } from "vitest";
import {
  authorizationHeader,
  generateToken,
  hashToken,
  tokenCandidates,
} from "../../src/ocpi/tokens.js";

describe("tokenCandidates", () => {
  it("reads the Base64 form of OCPI 2.2.1 and keeps the raw reading too", () => {
    const header = `Token ${Buffer.from("example-token").toString("base64")}`;
    expect(tokenCandidates(header)).toEqual([
      { token: "ZXhhbXBsZS10b2tlbg==", encoding: "raw" },
      { token: "example-token", encoding: "base64" },
    ]);
  });

  it("strips the trailing newline that the spec's own examples encode", () => {
    // transport_and_format: Authorization header example
    expect(tokenCandidates("Token ZXhhbXBsZS10b2tlbgo=")).toContainEqual({
      token: "example-token",
      encoding: "base64",
    });
  });

  it("reads a raw token with a non-Base64 character as raw only", () => {
    expect(tokenCandidates("Token 0a1b2c3d-4e5f")).toEqual([
      { token: "0a1b2c3d-4e5f", encoding: "raw" },
    ]);
  });

  it("accepts the scheme in any case and refuses other schemes or empty values", () => {
    expect(tokenCandidates("token abc-def")).toHaveLength(1);
    expect(tokenCandidates("TOKEN abc-def")).toHaveLength(1);
    expect(tokenCandidates("Bearer abc-def")).toEqual([]);
    expect(tokenCandidates("Token")).toEqual([]);
    expect(tokenCandidates(undefined)).toEqual([]);
    expect(tokenCandidates("Token a b")).toEqual([]);
  });

  it("ignores a Base64 value whose decoded bytes are not a valid token", () => {
    const spaced = Buffer.from("has space").toString("base64");
    expect(tokenCandidates(`Token ${spaced}`)).toEqual([{ token: spaced, encoding: "raw" }]);
  });
});

describe("authorizationHeader", () => {
  it("encodes for 2.2.1 peers and passes raw for older ones", () => {
    expect(authorizationHeader("example-token", "base64")).toBe("Token ZXhhbXBsZS10b2tlbg==");
    expect(authorizationHeader("example-token", "raw")).toBe("Token example-token");
  });
});

describe("generateToken", () => {
  it("makes unguessable tokens that can never be read as Base64", () => {
    const tokens = new Set(Array.from({ length: 1000 }, generateToken));
    expect(tokens.size).toBe(1000);
    for (const token of tokens) {
      expect(token).toMatch(/^[0-9a-f]{8}(-[0-9a-f]{8}){4}$/); // 160 random bits
      expect(token.length).toBeLessThanOrEqual(64);
      expect(tokenCandidates(`Token ${token}`)).toEqual([{ token, encoding: "raw" }]);
    }
  });
});

describe("hashToken", () => {
  it("is a stable SHA-256 digest", () => {
    expect(hashToken("abc")).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });
});
