import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/**
 * The tokens platforms give the hub are the only secrets it must be able to
 * read back (it presents them on every call to the platform), so they
 * cannot be hashed like the tokens it issues. With TOKEN_ENCRYPTION_KEY set
 * they are stored as
 *
 *   enc:v1:<iv>:<tag>:<ciphertext>     (base64url each)
 *
 * AES-256-GCM with a random 96-bit IV per value, the platform id as
 * additional data (a value copied to another row does not decrypt), and the
 * token padded with NULs to 64 bytes so the stored length says nothing of
 * the token's. Without a key they are stored as given.
 */

const PREFIX = "enc:v1:";
const ALGORITHM = "aes-256-gcm";
/** credentials: Credentials object — a token has at most 64 characters. */
const TOKEN_MAX = 64;

/** A stored token the hub cannot read: encrypted, and no key or another key is configured. */
export class TokenKeyError extends Error {
  override readonly name = "TokenKeyError";
}

export interface TokenSeal {
  /** What to store for a platform's token: encrypted when a key is set, as given otherwise. */
  seal(platformId: string, token: string): string;
  /** The token a stored value holds; TokenKeyError when it is encrypted and cannot be read. */
  open(platformId: string, stored: string): string;
  /** True for a value stored as given while a key is set: it should be sealed now. */
  isPlainUnderKey(stored: string): boolean;
}

/**
 * A sealed value is always longer than any token (133 characters), so a
 * platform cannot pass off a token of its choosing as an encrypted one.
 */
export function isSealed(stored: string): boolean {
  return stored.length > TOKEN_MAX && stored.startsWith(PREFIX);
}

export function createTokenSeal(key: Buffer | undefined): TokenSeal {
  if (key !== undefined && key.length !== 32) {
    throw new TokenKeyError("TOKEN_ENCRYPTION_KEY must be 32 bytes");
  }
  return {
    seal(platformId, token) {
      if (key === undefined) return token;
      const iv = randomBytes(12);
      const cipher = createCipheriv(ALGORITHM, key, iv);
      cipher.setAAD(Buffer.from(platformId, "utf8"));
      const padded = Buffer.alloc(Math.max(TOKEN_MAX, Buffer.byteLength(token, "utf8")));
      padded.write(token, "utf8");
      const body = Buffer.concat([cipher.update(padded), cipher.final()]);
      const parts = [iv, cipher.getAuthTag(), body].map((b) => b.toString("base64url"));
      return `${PREFIX}${parts.join(":")}`;
    },

    open(platformId, stored) {
      if (!isSealed(stored)) return stored;
      if (key === undefined) {
        throw new TokenKeyError(
          `the token of platform ${platformId} is stored encrypted, but TOKEN_ENCRYPTION_KEY is not set`,
        );
      }
      const [iv, tag, body] = stored.slice(PREFIX.length).split(":");
      try {
        const decipher = createDecipheriv(ALGORITHM, key, Buffer.from(iv ?? "", "base64url"), {
          authTagLength: 16,
        });
        decipher.setAAD(Buffer.from(platformId, "utf8"));
        decipher.setAuthTag(Buffer.from(tag ?? "", "base64url"));
        const padded = Buffer.concat([
          decipher.update(Buffer.from(body ?? "", "base64url")),
          decipher.final(),
        ]);
        return padded.toString("utf8").replace(/\0+$/, "");
      } catch {
        throw new TokenKeyError(
          `cannot decrypt the token of platform ${platformId}: TOKEN_ENCRYPTION_KEY is not the key it was encrypted with, or the stored value was altered`,
        );
      }
    },

    isPlainUnderKey: (stored) => key !== undefined && !isSealed(stored),
  };
}
