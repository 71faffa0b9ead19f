import { createHash, randomBytes } from "node:crypto";

/** How a peer wants its token in our Authorization header (transport_and_format: Authorization header). */
export type TokenEncoding = "base64" | "raw";

/** credentials: Credentials object — a token is 1 to 64 characters of U+0021–U+007E. */
const TOKEN_CHARS = /^[\x21-\x7e]{1,64}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function isValidToken(value: string): boolean {
  return TOKEN_CHARS.test(value);
}

/**
 * The token values an `Authorization: Token …` header may stand for, each
 * with the form the peer used. OCPI 2.2.1 sends the Base64 of the token;
 * older peers send it raw, so both readings are returned and the caller looks
 * up each (ocpi-hub-rules §2.2). The spec's own examples encode a trailing
 * newline, which is stripped from the decoded form.
 */
export function tokenCandidates(
  header: string | undefined,
): { token: string; encoding: TokenEncoding }[] {
  if (header === undefined) return [];
  const match = /^\s*token\s+(\S+)\s*$/i.exec(header);
  const value = match?.[1];
  if (value === undefined) return [];
  const candidates: { token: string; encoding: TokenEncoding }[] = [];
  if (isValidToken(value)) candidates.push({ token: value, encoding: "raw" });
  if (BASE64.test(value)) {
    const decoded = Buffer.from(value, "base64")
      .toString("utf8")
      .replace(/[\r\n]+$/, "");
    if (isValidToken(decoded) && decoded !== value) {
      candidates.push({ token: decoded, encoding: "base64" });
    }
  }
  return candidates;
}

/** The Authorization header value for a token in the peer's form. */
export function authorizationHeader(token: string, encoding: TokenEncoding): string {
  return `Token ${encoding === "base64" ? Buffer.from(token, "utf8").toString("base64") : token}`;
}

/**
 * A new credentials token: 160 random bits as five dash-separated hex groups.
 * The dashes are outside the Base64 alphabet, so the raw and the encoded form
 * of a hub token can never be mistaken for one another.
 */
export function generateToken(): string {
  const hex = randomBytes(20).toString("hex");
  return hex.match(/.{8}/g)?.join("-") ?? hex;
}

/** Tokens parties present to the hub are stored and compared as SHA-256 digests. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}
