/**
 * Client authentication by signed JWT (RFC 7523 §2.2, `private_key_jwt`): the
 * client signs an assertion with a key it registered (inline JWKS or JWKS URL);
 * iss = sub = its client_id, aud = our token endpoint (or our issuer), exp
 * within ASSERTION_MAX_SECONDS, and a `jti` that is accepted once only (kept
 * until the assertion expires; a second use is a replay).
 *
 * Checking the signature writes nothing (it may wait on the client's JWKS URL);
 * the jti is spent inside the token's transaction (`spendAssertion`), insert
 * first under the primary key (client, jti): of two requests with one assertion
 * the second waits for the first's commit and is refused, and a token that is
 * not issued (rolled back) leaves the jti unspent.
 */
import { createLocalJWKSet, decodeJwt, jwtVerify, type JSONWebKeySet } from "jose";
import type { Kysely } from "kysely";
import type { Database } from "../../../../db/types.ts";
import { clientByClientId } from "./clients.ts";
import { oauthRefusal } from "./errors.ts";
import { FEDERATED_ALGS, tokenProblem } from "./federations.ts";
import type { RemoteKeys } from "./remote-keys.ts";

type Db = Kysely<Database>;

export const CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/** an assertion may not live longer than this (a long-lived one is a reusable password) */
const ASSERTION_MAX_SECONDS = 10 * 60;
const PRUNE_EVERY_MS = 10 * 60_000;
let lastPrune = 0;

/** A verified assertion: its client, and the jti to spend once. */
export interface VerifiedAssertion {
  client: Database["oauth_clients"];
  jti: string;
  /** the assertion's exp, epoch seconds: its jti is kept until then */
  exp: number;
}

export async function verifyClientAssertion(
  db: Db, keys: RemoteKeys, assertion: string, audiences: string[], claimedClientId: string | undefined, at: number = Date.now(),
): Promise<VerifiedAssertion> {
  let iss: unknown;
  try {
    iss = decodeJwt(assertion).iss;
  } catch {
    throw oauthRefusal("invalid_client", "client_assertion is not a JWT");
  }
  if (typeof iss !== "string" || (claimedClientId !== undefined && claimedClientId !== iss))
    throw oauthRefusal("invalid_client", "the client assertion's iss must be the client_id");
  const client = await clientByClientId(db, iss);
  if (!client || (!client.jwks && !client.jwks_uri)) throw oauthRefusal("invalid_client", "unknown client, or a client without registered keys");
  const keySet = client.jwks ? createLocalJWKSet(JSON.parse(client.jwks) as JSONWebKeySet) : keys.keySet(client.jwks_uri!);
  let payload: Awaited<ReturnType<typeof jwtVerify>>["payload"];
  try {
    ({ payload } = await jwtVerify(assertion, keySet, {
      issuer: client.client_id, subject: client.client_id, audience: audiences, algorithms: FEDERATED_ALGS,
      requiredClaims: ["exp", "jti"], currentDate: new Date(at), clockTolerance: 30,
    }));
  } catch (err) {
    throw oauthRefusal("invalid_client", `client assertion refused: ${tokenProblem(err)}`);
  }
  const exp = Number(payload.exp);
  if (exp * 1000 - at > ASSERTION_MAX_SECONDS * 1000) throw oauthRefusal("invalid_client", `a client assertion may live at most ${ASSERTION_MAX_SECONDS / 60} minutes (exp is too far ahead)`);
  const jti = String(payload.jti);
  if (!jti || jti.length > 200) throw oauthRefusal("invalid_client", "the client assertion's jti must be 1 to 200 characters");
  return { client, jti, exp };
}

/** Spends the assertion's jti in the caller's transaction; a second use (even a concurrent one) is refused. */
export async function spendAssertion(trx: Db, verified: VerifiedAssertion): Promise<void> {
  const { client, jti, exp } = verified;
  const res = await trx.insertInto("oauth_assertion_jtis").values({ client_ref: client.id, jti, expires_at: new Date(exp * 1000).toISOString() })
    .onConflict((oc) => oc.columns(["client_ref", "jti"]).doNothing()).returning("jti").executeTakeFirst();
  if (!res) throw oauthRefusal("invalid_client", "this client assertion was already used (replayed jti)");
}

/** Forgets spent jtis whose assertions have expired (at most every PRUNE_EVERY_MS per process). */
export async function pruneSpentAssertions(db: Db, at: number = Date.now()): Promise<void> {
  if (at - lastPrune <= PRUNE_EVERY_MS) return;
  lastPrune = at;
  await db.deleteFrom("oauth_assertion_jtis").where("expires_at", "<", new Date(at - 60_000).toISOString()).execute();
}
