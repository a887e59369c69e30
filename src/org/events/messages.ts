/**
 * What a receiver gets for one event: an RFC 8417 SET signed with the current event key
 * (format `set`, RFC 9967 event URIs), or a JSON webhook body with a timestamped HMAC.
 */
import crypto from "node:crypto";
import { SignJWT } from "jose";
import { eventUri, scimPath } from "./catalog.ts";
import { SET_ALG, type SigningKey } from "./signing-keys.ts";

/** An audit row as an event. */
export interface EventRow {
  eventId: string;
  orgId: string;
  at: string;
  door: string;
  actor: string;
  action: string;
  targetType: string;
  targetId: string | null;
  detail: unknown;
}

export const SET_MEDIA_TYPE = "application/secevent+jwt";
export const SIGNATURE_HEADER = "Rollcall-Signature";
export const EVENT_ID_HEADER = "Rollcall-Event-Id";

/** RFC 8417 claims of an event; `issuer` is Rollcall's public SCIM base, `audience` the receiver. */
export function setClaims(e: EventRow, issuerBase: string, audience: string): Record<string, unknown> {
  const path = scimPath(e.targetType, e.targetId);
  const uri = eventUri(e.action, e.targetType);
  const payload = path ? { ref: `${issuerBase}${path}` } : { action: e.action, targetType: e.targetType, targetId: e.targetId, data: e.detail };
  return {
    iss: issuerBase,
    aud: audience,
    jti: e.eventId,
    iat: Math.floor(Date.now() / 1000),
    toe: Math.floor(Date.parse(e.at) / 1000),
    sub_id: path ? { format: "scim", uri: path } : { format: "opaque", id: e.targetId ?? e.orgId },
    events: { [uri]: payload },
  };
}

export async function signSet(e: EventRow, key: SigningKey, issuerBase: string, audience: string): Promise<string> {
  return new SignJWT(setClaims(e, issuerBase, audience)).setProtectedHeader({ alg: SET_ALG, kid: key.kid, typ: "secevent+jwt" }).sign(key.key);
}

export function webhookBody(e: EventRow): string {
  return JSON.stringify({
    id: e.eventId, type: e.action, time: e.at, orgId: e.orgId, door: e.door, actor: e.actor,
    target: { type: e.targetType, id: e.targetId, scimPath: scimPath(e.targetType, e.targetId) },
    eventUri: eventUri(e.action, e.targetType), data: e.detail,
  });
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`: the time is signed, so an old body cannot be replayed as new. */
export function webhookSignature(secret: string, body: string, atSeconds = Math.floor(Date.now() / 1000)): string {
  const mac = crypto.createHmac("sha256", secret).update(`${atSeconds}.${body}`).digest("hex");
  return `t=${atSeconds},v1=${mac}`;
}
