/**
 * A fetch for addresses org admins chose (OIDC discovery and its token, userinfo and
 * key requests; federated issuers' discovery and keys; clients' JWKS URLs) that goes
 * through the outbound policy at connect time (outbound.ts): node:http(s) with the
 * checking lookup, IP literals checked before the socket opens. Redirects are never
 * followed (a 3xx is returned as it is, or refused under `redirect: "error"`), and a
 * body larger than MAX_BODY_BYTES is refused. Given to jose and openid-client as their
 * `customFetch`.
 */
import http from "node:http";
import https from "node:https";
import { outboundLookup, refuseLiteralHost } from "./outbound.ts";

const MAX_BODY_BYTES = 1024 * 1024;
const NULL_BODY = new Set([101, 204, 205, 304]);

export interface OutboundInit {
  method?: string;
  headers?: HeadersInit;
  body?: string | Uint8Array | ArrayBuffer | URLSearchParams | null;
  signal?: AbortSignal | null;
  redirect?: RequestRedirect;
}

function bodyBytes(body: OutboundInit["body"]): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string") return Buffer.from(body);
  if (body instanceof URLSearchParams) return Buffer.from(body.toString());
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new TypeError("a streamed request body is not supported here");
}

export async function outboundFetch(input: string | URL, init: OutboundInit = {}): Promise<Response> {
  const url = new URL(input);
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new TypeError(`only http and https addresses are fetched, not ${url.protocol}`);
  refuseLiteralHost(url.hostname);
  const headers = Object.fromEntries(new Headers(init.headers ?? {}).entries());
  const payload = bodyBytes(init.body);
  if (payload && init.body instanceof URLSearchParams && !headers["content-type"]) headers["content-type"] = "application/x-www-form-urlencoded;charset=UTF-8";
  if (payload) headers["content-length"] = String(payload.length);
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = (url.protocol === "https:" ? https : http).request(url, {
      method: init.method ?? "GET", headers, lookup: outboundLookup, ...(init.signal ? { signal: init.signal } : {}),
    }, resolve);
    // as fetch does: an aborted request rejects with the signal's reason (a TimeoutError for AbortSignal.timeout)
    req.on("error", (err) => reject(init.signal?.aborted ? init.signal.reason : err));
    req.end(payload);
  });
  const status = res.statusCode ?? 0;
  if (init.redirect === "error" && status >= 300 && status < 400) {
    res.destroy();
    throw new TypeError(`${url.origin} answered with a redirect (${status}), which is not followed`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        res.destroy();
        throw new TypeError(`${url.origin} answered with more than ${MAX_BODY_BYTES} bytes`);
      }
      chunks.push(chunk);
    }
  } catch (err) {
    throw init.signal?.aborted ? init.signal.reason : err;
  }
  const out = new Headers();
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) out.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
  return new Response(NULL_BODY.has(status) ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage ?? "", headers: out });
}
