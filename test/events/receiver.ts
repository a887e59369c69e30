/**
 * A real event receiver on loopback: it verifies every SET (jose, against Rollcall's
 * JWKS URL) and every webhook HMAC (with a 5-minute replay window), and records what it
 * accepted, in arrival order. `refuse` makes it answer 503 (a receiver that is down).
 */
import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createRemoteJWKSet, jwtVerify } from "jose";

export interface Received {
  eventId: string;
  type: string;
  /** the SCIM path or target key the event is about */
  subject: string;
  format: "set" | "webhook";
  claims: Record<string, unknown>;
}

export interface TestReceiver {
  url: string;
  received: Received[];
  /** signatures that did not verify (must stay empty) */
  bad: string[];
  requests: number;
  refuse: boolean;
  /** extra delay before answering */
  delayMs: number;
  close(): Promise<void>;
}

const REPLAY_WINDOW_S = 300;

export function verifyWebhook(secret: string, body: string, header: string | undefined): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? "");
  if (!m) return false;
  if (Math.abs(Date.now() / 1000 - Number(m[1])) > REPLAY_WINDOW_S) return false;
  const want = crypto.createHmac("sha256", secret).update(`${m[1]}.${body}`).digest();
  return crypto.timingSafeEqual(want, Buffer.from(m[2]!, "hex"));
}

export async function startReceiver(opts: { jwksUrl: string; issuer: string; secret?: string }): Promise<TestReceiver> {
  const jwks = createRemoteJWKSet(new URL(opts.jwksUrl));
  const state = { received: [] as Received[], bad: [] as string[], requests: 0, refuse: false, delayMs: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      state.requests++;
      if (state.delayMs) await new Promise((r) => setTimeout(r, state.delayMs));
      if (state.refuse) { res.writeHead(503).end("down for maintenance"); return; }
      const body = Buffer.concat(chunks).toString("utf8");
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${req.url}`;
      try {
        if (req.headers["content-type"] === "application/secevent+jwt") {
          const { payload, protectedHeader } = await jwtVerify(body, jwks, { issuer: opts.issuer, audience: url, typ: "secevent+jwt", algorithms: ["ES256"] });
          if (!protectedHeader.kid) throw new Error("no kid");
          const events = payload.events as Record<string, Record<string, unknown>>;
          const [type] = Object.keys(events);
          const sub = payload.sub_id as { uri?: string; id?: string };
          state.received.push({ eventId: String(payload.jti), type: type!, subject: sub.uri ?? sub.id ?? "", format: "set", claims: payload as Record<string, unknown> });
          res.writeHead(202).end();
        } else {
          if (!opts.secret || !verifyWebhook(opts.secret, body, req.headers["rollcall-signature"] as string | undefined)) throw new Error("bad HMAC");
          const e = JSON.parse(body) as { id: string; type: string; target: { type: string; id: string | null; scimPath: string | null } };
          if (req.headers["rollcall-event-id"] !== e.id) throw new Error("event id header differs from the body");
          state.received.push({ eventId: e.id, type: e.type, subject: e.target.scimPath ?? `${e.target.type}:${e.target.id}`, format: "webhook", claims: e });
          res.writeHead(204).end();
        }
      } catch (err) {
        state.bad.push(String(err));
        res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ err: "invalid_request", description: String(err) }));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/hook`,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  });
}
