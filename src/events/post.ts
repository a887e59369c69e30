/**
 * One POST to a receiver over keep-alive connections (node:http is several times faster
 * than fetch here, which decides whether delivery keeps up). Redirects are not followed.
 * The outbound policy holds at each connection: the receiver's name is resolved and
 * every address checked (outboundLookup), an IP literal is checked before the socket
 * opens; a refusal rejects with OutboundRefused.
 */
import http from "node:http";
import https from "node:https";
import { outboundLookup, type OutboundRefused, refuseLiteralHost } from "../org/security/outbound.ts";

const agents = { http: new http.Agent({ keepAlive: true, maxSockets: 64 }), https: new https.Agent({ keepAlive: true, maxSockets: 64 }) };

export interface PostReply {
  status: number;
  /** the first bytes of the body (for the last error), only when not 2xx */
  text: string;
}

export function post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<PostReply> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    try {
      refuseLiteralHost(u.hostname);
    } catch (err) {
      return reject(err as OutboundRefused);
    }
    const secure = u.protocol === "https:";
    const req = (secure ? https : http).request(u, {
      method: "POST", agent: secure ? agents.https : agents.http, timeout: timeoutMs, lookup: outboundLookup,
      headers: { ...headers, "content-length": Buffer.byteLength(body) },
    }, (res) => {
      const ok = res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300;
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => { if (!ok && text.length < 300) text += d; });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: text.slice(0, 300) }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}
