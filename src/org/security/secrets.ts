/**
 * Secrets that Rollcall must be able to read back (an identity provider's client
 * secret) are encrypted at rest with AES-256-GCM under ROLLCALL_ENCRYPTION_KEY.
 * Secrets that only need comparing (API keys, invite tokens) are hashed instead.
 *
 * Stored form: `v1:` + base64url(iv[12] | tag[16] | ciphertext). The `context`
 * (e.g. `oidc-client-secret:<orgId>`) is bound as additional authenticated data,
 * so a ciphertext copied to another row or org does not decrypt.
 *
 * @example
 * const key = parseEncryptionKey(crypto.randomBytes(32).toString("base64"));
 * const stored = encryptSecret(key, "s3cret", "oidc-client-secret:org-1");
 * decryptSecret(key, stored, "oidc-client-secret:org-1"); // "s3cret"
 */
import crypto from "node:crypto";
import { invalid } from "../errors.ts";

const VERSION = "v1:";
const IV_BYTES = 12;
const TAG_BYTES = 16;

export const ENCRYPTION_KEY_VAR = "ROLLCALL_ENCRYPTION_KEY";

/** 32 bytes given as 64 hex digits or as base64 / base64url; anything else throws, naming the variable. */
export function parseEncryptionKey(raw: string): Buffer {
  const v = raw.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(v) ? Buffer.from(v, "hex") : /^[A-Za-z0-9+/_-]{43}=?$/.test(v) ? Buffer.from(v, "base64") : null;
  if (key?.length !== 32)
    throw new Error(`${ENCRYPTION_KEY_VAR} must be 32 random bytes, written as 64 hex digits or in base64 (e.g. \`openssl rand -base64 32\`)`);
  return key;
}

/** Why secrets cannot be stored (no key configured), in words for an admin, or null. */
export function encryptionKeyMissing(key: Buffer | undefined, what: string): string | null {
  return key ? null : `the server cannot store ${what} yet: the operator must set an encryption key for secrets on the server first`;
}

/** The key, or a clear error when a secret must be stored or read and none is configured. */
export function requireEncryptionKey(key: Buffer | undefined, what: string): Buffer {
  if (!key) throw invalid(`${ENCRYPTION_KEY_VAR} is not set: it is required to store ${what} (32 random bytes, hex or base64, e.g. \`openssl rand -base64 32\`)`);
  return key;
}

export function encryptSecret(key: Buffer, plain: string, context: string): string {
  const iv = crypto.randomBytes(IV_BYTES);
  const cipher = crypto.createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(context, "utf8"));
  const data = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return VERSION + Buffer.concat([iv, cipher.getAuthTag(), data]).toString("base64url");
}

export class SecretDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretDecryptionError";
  }
}

/** Throws SecretDecryptionError when the value was not encrypted under this key and context. */
export function decryptSecret(key: Buffer, stored: string, context: string): string {
  if (!stored.startsWith(VERSION)) throw new SecretDecryptionError("the stored secret is not in a known encrypted format");
  const raw = Buffer.from(stored.slice(VERSION.length), "base64url");
  if (raw.length < IV_BYTES + TAG_BYTES) throw new SecretDecryptionError("the stored secret is truncated");
  try {
    const decipher = crypto.createDecipheriv("aes-256-gcm", key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
  } catch {
    throw new SecretDecryptionError(`the stored secret does not decrypt with the configured ${ENCRYPTION_KEY_VAR} (was the key changed?)`);
  }
}
