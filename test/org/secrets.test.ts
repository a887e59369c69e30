import assert from "node:assert/strict";
import crypto from "node:crypto";
import { decryptSecret, encryptSecret, parseEncryptionKey, requireEncryptionKey, SecretDecryptionError } from "../../src/org/security/secrets.ts";

describe("secrets at rest (AES-256-GCM)", () => {
  const raw = crypto.randomBytes(32);
  const key = parseEncryptionKey(raw.toString("base64"));

  it("reads a 32-byte key as hex, base64 or base64url, and refuses anything else naming the variable", () => {
    assert.deepEqual(parseEncryptionKey(raw.toString("hex")), raw);
    assert.deepEqual(parseEncryptionKey(raw.toString("base64url")), raw);
    assert.deepEqual(parseEncryptionKey(` ${raw.toString("base64")}\n`), raw);
    for (const bad of ["", "short", crypto.randomBytes(16).toString("base64"), crypto.randomBytes(33).toString("hex"), "z".repeat(64)])
      assert.throws(() => parseEncryptionKey(bad), /ROLLCALL_ENCRYPTION_KEY must be 32 random bytes/);
    assert.throws(() => requireEncryptionKey(undefined, "an OIDC client secret"), /ROLLCALL_ENCRYPTION_KEY is not set: it is required to store an OIDC client secret/);
  });

  it("round-trips; each encryption is different and never contains the plain text", () => {
    const a = encryptSecret(key, "client-secret-value", "ctx");
    const b = encryptSecret(key, "client-secret-value", "ctx");
    assert.notEqual(a, b);
    assert.match(a, /^v1:[A-Za-z0-9_-]+$/);
    assert.ok(!a.includes("client-secret-value"));
    assert.equal(decryptSecret(key, a, "ctx"), "client-secret-value");
    assert.equal(decryptSecret(key, encryptSecret(key, "ünïcødé ✓", "ctx"), "ctx"), "ünïcødé ✓");
  });

  it("does not decrypt with another key, another context (row/org), or after tampering", () => {
    const stored = encryptSecret(key, "s3cret", "oidc-client-secret:org-a");
    assert.throws(() => decryptSecret(crypto.randomBytes(32), stored, "oidc-client-secret:org-a"), SecretDecryptionError);
    assert.throws(() => decryptSecret(key, stored, "oidc-client-secret:org-b"), /does not decrypt with the configured ROLLCALL_ENCRYPTION_KEY/);
    const bytes = Buffer.from(stored.slice(3), "base64url");
    bytes[bytes.length - 1] ^= 1;
    assert.throws(() => decryptSecret(key, `v1:${bytes.toString("base64url")}`, "oidc-client-secret:org-a"), SecretDecryptionError);
    assert.throws(() => decryptSecret(key, "s3cret", "x"), /not in a known encrypted format/);
    assert.throws(() => decryptSecret(key, "v1:AAAA", "x"), /truncated/);
  });
});
