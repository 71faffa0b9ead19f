import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createTokenSeal, isSealed, TokenKeyError } from "../../src/registry/token-seal.js";

const key = randomBytes(32);
const sealed = createTokenSeal(key);
const plain = createTokenSeal(undefined);

describe("token seal", () => {
  it("encrypts with a fresh IV each time, to a value of one length whatever the token, and reads it back", () => {
    const a = sealed.seal("p1", "x");
    const b = sealed.seal("p1", "x");
    const long = sealed.seal("p1", "t".repeat(64));
    expect(a).not.toBe(b);
    expect(a).toMatch(/^enc:v1:[\w-]+:[\w-]+:[\w-]+$/);
    expect(a.length).toBe(long.length);
    expect(isSealed(a)).toBe(true);
    expect(sealed.open("p1", a)).toBe("x");
    expect(sealed.open("p1", long)).toBe("t".repeat(64));
  });

  it("refuses a value of another row, another key or altered, with TokenKeyError", () => {
    const value = sealed.seal("p1", "secret-token");
    expect(() => sealed.open("p2", value)).toThrow(TokenKeyError);
    expect(() => createTokenSeal(randomBytes(32)).open("p1", value)).toThrow(
      /not the key it was encrypted with/,
    );
    const [, , iv, tag, body] = value.split(":");
    const flipped = `${body?.[0] === "A" ? "B" : "A"}${body?.slice(1)}`;
    expect(() => sealed.open("p1", `enc:v1:${iv}:${tag}:${flipped}`)).toThrow(TokenKeyError);
    const shortTag = `enc:v1:${iv}:${tag?.slice(0, 6)}:${body}`;
    expect(() => sealed.open("p1", shortTag)).toThrow(TokenKeyError);
  });

  it("without a key stores tokens as given, and names the missing key when it meets an encrypted one", () => {
    expect(plain.seal("p1", "secret-token")).toBe("secret-token");
    expect(plain.open("p1", "secret-token")).toBe("secret-token");
    expect(() => plain.open("p1", sealed.seal("p1", "secret-token"))).toThrow(
      "the token of platform p1 is stored encrypted, but TOKEN_ENCRYPTION_KEY is not set",
    );
  });

  it("reads a token stored before the key was set, and tells it apart from an encrypted one even when it looks like one", () => {
    expect(sealed.open("p1", "old-plain-token")).toBe("old-plain-token");
    expect(sealed.isPlainUnderKey("old-plain-token")).toBe(true);
    expect(plain.isPlainUnderKey("old-plain-token")).toBe(false);
    // A platform may choose any token of up to 64 characters, this one too.
    const lookalike = `enc:v1:${"A".repeat(16)}:${"B".repeat(22)}:${"C".repeat(17)}`;
    expect(lookalike.length).toBe(64);
    expect(plain.open("p1", lookalike)).toBe(lookalike);
    expect(sealed.open("p1", sealed.seal("p1", lookalike))).toBe(lookalike);
  });
});
