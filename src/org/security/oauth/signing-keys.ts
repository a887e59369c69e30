/**
 * Rollcall's own token signing keys: ES256 key pairs generated in the store
 * (every instance signs with the same key), the private half encrypted under
 * ROLLCALL_ENCRYPTION_KEY. A key signs for SIGN_DAYS, then a new one takes
 * over; the old one still verifies until every token it signed has expired.
 * The public halves are published at /oauth/jwks.
 */
import crypto from "node:crypto";
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from "jose";
import type { Kysely } from "kysely";
import type { Database } from "../../../../db/types.ts";
import { decryptSecret, encryptSecret, requireEncryptionKey } from "../secrets.ts";
import { MAX_TOKEN_LIFETIME_SECONDS } from "./lifetimes.ts";

type Db = Kysely<Database>;

export const SIGNING_ALG = "ES256";
const SIGN_DAYS = 30;
const context = (kid: string) => `oauth-signing-key:${kid}`;

export interface SigningKey {
  kid: string;
  key: CryptoKey;
}

const privateCache = new Map<string, CryptoKey>();
const publicCache = new Map<string, CryptoKey>();

/** The key that signs now; made (and stored) when none is current. */
export async function currentSigningKey(db: Db, encryptionKey: Buffer | undefined, at: number = Date.now()): Promise<SigningKey> {
  const enc = requireEncryptionKey(encryptionKey, "the OAuth token signing key");
  const nowIso = new Date(at).toISOString();
  let row = await db.selectFrom("oauth_signing_keys").select(["kid", "private_jwk"]).where("sign_until", ">", nowIso)
    .orderBy("created_at", "desc").orderBy("kid").executeTakeFirst();
  if (!row) {
    // Two instances may both make one at once: both keys are valid, the newer one signs from then on.
    const kid = crypto.randomUUID();
    const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: SIGNING_ALG, use: "sig" };
    const signUntil = at + SIGN_DAYS * 86_400_000;
    await db.insertInto("oauth_signing_keys").values({
      kid, alg: SIGNING_ALG, public_jwk: JSON.stringify(publicJwk),
      private_jwk: encryptSecret(enc, JSON.stringify(await exportJWK(privateKey)), context(kid)),
      created_at: nowIso, sign_until: new Date(signUntil).toISOString(),
      verify_until: new Date(signUntil + (MAX_TOKEN_LIFETIME_SECONDS + 300) * 1000).toISOString(),
    }).execute();
    row = { kid, private_jwk: "" };
    privateCache.set(kid, privateKey);
  }
  let key = privateCache.get(row.kid);
  if (!key) {
    key = (await importJWK(JSON.parse(decryptSecret(enc, row.private_jwk, context(row.kid))) as JWK, SIGNING_ALG)) as CryptoKey;
    privateCache.set(row.kid, key);
  }
  return { kid: row.kid, key };
}

/** The public key `kid` names while it may verify, or null. */
export async function verificationKey(db: Db, kid: string, at: number = Date.now()): Promise<CryptoKey | null> {
  const row = await db.selectFrom("oauth_signing_keys").select(["public_jwk", "verify_until"]).where("kid", "=", kid).executeTakeFirst();
  if (!row || Date.parse(row.verify_until) <= at) return null;
  let key = publicCache.get(kid);
  if (!key) {
    key = (await importJWK(JSON.parse(row.public_jwk) as JWK, SIGNING_ALG)) as CryptoKey;
    publicCache.set(kid, key);
  }
  return key;
}

/** The JWKS of every key that may still verify (RFC 7517), for /oauth/jwks. */
export async function publishedKeys(db: Db, at: number = Date.now()): Promise<{ keys: JWK[] }> {
  const rows = await db.selectFrom("oauth_signing_keys").select("public_jwk").where("verify_until", ">", new Date(at).toISOString()).orderBy("created_at").execute();
  return { keys: rows.map((r) => JSON.parse(r.public_jwk) as JWK) };
}
