/**
 * The keys that sign SETs. The newest key signs; a new one is made when it is older than
 * the rotation period, and the keys of the last two periods stay in the JWKS so a SET
 * signed just before a rotation still verifies. Private halves are encrypted at rest.
 */
import crypto from "node:crypto";
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from "jose";
import type { Kysely } from "kysely";
import type { Database } from "../../../db/types.ts";
import { now } from "../clock.ts";
import { decryptSecret, encryptSecret, requireEncryptionKey } from "../security/secrets.ts";

export const SET_ALG = "ES256";
const DAY_MS = 86_400_000;

export interface SigningKey {
  kid: string;
  key: CryptoKey;
  createdAt: string;
}

const context = (kid: string) => `event-signing-key:${kid}`;

async function createKey(db: Kysely<Database>, encryptionKey: Buffer): Promise<void> {
  const { privateKey, publicKey } = await generateKeyPair(SET_ALG, { extractable: true });
  const kid = crypto.randomUUID();
  const priv = await exportJWK(privateKey);
  const pub: JWK = { ...(await exportJWK(publicKey)), kid, alg: SET_ALG, use: "sig" };
  await db.insertInto("event_signing_keys")
    .values({ kid, private_jwk: encryptSecret(encryptionKey, JSON.stringify(priv), context(kid)), public_jwk: JSON.stringify(pub), created_at: now() })
    .execute();
}

/** The key to sign with now, making a new one when the newest is past the rotation period. */
export async function currentSigningKey(db: Kysely<Database>, encryptionKey: Buffer | undefined, rotationDays: number): Promise<SigningKey> {
  const enc = requireEncryptionKey(encryptionKey, "the keys that sign events");
  const newest = () => db.selectFrom("event_signing_keys").selectAll().orderBy("created_at", "desc").orderBy("kid").limit(1).executeTakeFirst();
  let row = await newest();
  if (!row || Date.parse(row.created_at) < Date.now() - rotationDays * DAY_MS) {
    await createKey(db, enc);
    row = await newest();
  }
  if (!row) throw new Error("no event signing key after creating one");
  const jwk = JSON.parse(decryptSecret(enc, row.private_jwk, context(row.kid))) as JWK;
  return { kid: row.kid, key: (await importJWK(jwk, SET_ALG)) as CryptoKey, createdAt: row.created_at };
}

/** The public keys a receiver verifies SETs with (served at /.well-known/scim-events-jwks.json). */
export async function publicJwks(db: Kysely<Database>, rotationDays: number): Promise<{ keys: JWK[] }> {
  const since = new Date(Date.now() - 2 * rotationDays * DAY_MS).toISOString();
  const rows = await db.selectFrom("event_signing_keys").select(["public_jwk", "created_at"]).orderBy("created_at", "desc").execute();
  // the newest key is always published, even past two periods (it still signs until the next SET rotates it)
  const kept = rows.filter((r, i) => i === 0 || r.created_at >= since);
  return { keys: kept.map((r) => JSON.parse(r.public_jwk) as JWK) };
}
