/**
 * The tests' own OpenID Provider: a real `oidc-provider` 9 on a loopback port,
 * with its own in-memory accounts, one registered confidential client (PKCE
 * required) whose redirect URIs are those of the app under test, and minimal
 * interaction routes (login by account id, consent, or abort):
 *
 *   GET  /interaction/:uid          → {"uid", "prompt"}   (the "page")
 *   POST /interaction/:uid/login    login=<account id>
 *   POST /interaction/:uid/confirm  grants what the client asked for
 *   POST /interaction/:uid/abort    → access_denied back to the client
 *
 * plus a `Browser` with a cookie jar that drives the whole code flow over HTTP.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";

export interface OidcAccount {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  given_name?: string;
  family_name?: string;
  preferred_username?: string;
  groups?: string[];
}

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  accounts: Map<string, OidcAccount>;
  /** the number of token requests the provider answered with an error */
  tokenErrors: string[];
  close(): Promise<void>;
}

const listen = (server: http.Server): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });

const close = (server: http.Server): Promise<void> =>
  new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

async function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

export async function startOidcProvider(opts: { redirectUris: string[]; accounts: OidcAccount[]; clientSecret?: string }): Promise<TestProvider> {
  const server = http.createServer();
  const port = await listen(server);
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = "rollcall-test";
  const clientSecret = opts.clientSecret ?? "rollcall-test-client-secret-0123456789";
  const accounts = new Map(opts.accounts.map((a) => [a.sub, a]));
  const tokenErrors: string[] = [];

  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId, client_secret: clientSecret, redirect_uris: opts.redirectUris,
      grant_types: ["authorization_code"], response_types: ["code"], token_endpoint_auth_method: "client_secret_post",
    }],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    claims: {
      openid: ["sub"],
      email: ["email", "email_verified"],
      profile: ["name", "given_name", "family_name", "preferred_username"],
      groups: ["groups"],
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    cookies: { keys: ["test-cookie-key-for-the-oidc-provider"] },
    findAccount: async (_ctx: unknown, id: string) => {
      const a = accounts.get(id);
      if (!a) return undefined;
      return { accountId: id, claims: async () => ({ ...a }) };
    },
  });
  provider.on("grant.error", (_ctx, err) => tokenErrors.push(String((err as { error?: string })?.error ?? err)));
  const handle = provider.callback();

  server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    const m = /^\/interaction\/([^/?]+)(?:\/(login|confirm|abort))?(?:\?.*)?$/.exec(req.url ?? "");
    if (!m) return handle(req, res);
    interaction(req, res, m[2]).catch((err: unknown) => {
      res.statusCode = 500;
      res.end(`interaction failed: ${String((err as Error)?.stack ?? err)}`);
    });
  });

  async function interaction(req: http.IncomingMessage, res: http.ServerResponse, action: string | undefined): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    if (req.method === "GET" && !action) {
      res.setHeader("Content-Type", "application/json");
      res.end(JSON.stringify({ uid: details.uid, prompt: details.prompt.name }));
      return;
    }
    if (action === "abort") {
      await provider.interactionFinished(req, res, { error: "access_denied", error_description: "the person cancelled the sign-in" }, { mergeWithLastSubmission: false });
      return;
    }
    if (action === "login") {
      const login = (await readForm(req)).get("login") ?? "";
      if (!accounts.has(login)) {
        res.statusCode = 400;
        res.end(`no account ${login}`);
        return;
      }
      await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
      return;
    }
    // confirm: grant every scope and claim the client asked for
    const accountId = details.session?.accountId;
    if (!accountId) throw new Error("consent before login");
    const grant = details.grantId ? (await provider.Grant.find(details.grantId))! : new provider.Grant({ accountId, clientId: String(details.params.client_id) });
    const d = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
    if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(" "));
    if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
    for (const [resource, scopes] of Object.entries(d.missingResourceScopes ?? {})) grant.addResourceScope(resource, scopes.join(" "));
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, details.grantId ? {} : { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  return { issuer, clientId, clientSecret, accounts, tokenErrors, close: () => close(server) };
}

/** A server that answers discovery with another provider's document: its issuer is not this URL. */
export async function startImpostor(realIssuer: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    fetch(`${realIssuer}${req.url}`).then(async (r) => {
      res.statusCode = r.status;
      res.setHeader("Content-Type", r.headers.get("content-type") ?? "application/json");
      res.end(await r.text());
    }, () => { res.statusCode = 502; res.end(); });
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, close: () => close(server) };
}

export interface BrowserResponse {
  status: number;
  url: string;
  location: string | null;
  headers: Headers;
  text: string;
}

/**
 * A browser for tests: a cookie jar per origin (host and port; good enough on
 * loopback where both servers share a host), manual redirects.
 */
export class Browser {
  private readonly jar = new Map<string, Map<string, string>>();

  constructor(private readonly accept = "text/html") {}

  cookies(url: string): Map<string, string> {
    const origin = new URL(url).origin;
    let c = this.jar.get(origin);
    if (!c) {
      c = new Map();
      this.jar.set(origin, c);
    }
    return c;
  }

  private store(url: string, headers: Headers): void {
    const c = this.cookies(url);
    for (const line of headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => {
        const [k, v] = a.trim().split("=");
        if (k!.toLowerCase() === "max-age") return Number(v) <= 0;
        if (k!.toLowerCase() === "expires") return Date.parse(v ?? "") <= Date.now();
        return false;
      });
      if (expired || value === "") c.delete(name);
      else c.set(name, value);
    }
  }

  async request(method: string, url: string, form?: Record<string, string>, headers: Record<string, string> = {}): Promise<BrowserResponse> {
    const cookie = [...this.cookies(url)].map(([k, v]) => `${k}=${v}`).join("; ");
    const res = await fetch(url, {
      method, redirect: "manual",
      headers: { accept: this.accept, ...(cookie ? { cookie } : {}), ...(form ? { "content-type": "application/x-www-form-urlencoded" } : {}), ...headers },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    this.store(url, res.headers);
    const location = res.headers.get("location");
    return { status: res.status, url, location: location ? new URL(location, url).href : null, headers: res.headers, text: await res.text() };
  }

  get(url: string, headers?: Record<string, string>): Promise<BrowserResponse> {
    return this.request("GET", url, undefined, headers);
  }

  /** Follows redirects while `keepGoing(nextUrl)` says so; returns the last response. */
  async follow(first: BrowserResponse, keepGoing: (next: string) => boolean): Promise<BrowserResponse> {
    let res = first;
    for (let i = 0; i < 20 && res.status >= 300 && res.status < 400 && res.location && keepGoing(res.location); i++) res = await this.get(res.location);
    return res;
  }
}

export interface SignInResult {
  /** the app's answer at its callback (a redirect on success) */
  callback: BrowserResponse;
  /** the provider's redirect to the callback, with code and state */
  callbackUrl: string;
}

/**
 * Drives the code flow: the app's login URL → provider → login as `account` →
 * consent → back to the app's callback (whose response is returned, not followed).
 * `tamper` may rewrite the callback URL before the browser goes there.
 */
export async function signInThrough(browser: Browser, loginUrl: string, op: TestProvider, account: string,
  opts: { abort?: boolean; tamper?: (callbackUrl: URL) => void } = {}): Promise<SignInResult> {
  const appOrigin = new URL(loginUrl).origin;
  const toProvider = (u: string) => new URL(u).origin === op.issuer;
  let res = await browser.follow(await browser.get(loginUrl), toProvider);
  for (let step = 0; step < 5; step++) {
    if (res.location && new URL(res.location).origin === appOrigin) break;
    if (res.status !== 200) throw new Error(`unexpected ${res.status} at ${res.url}: ${res.text.slice(0, 500)}`);
    const page = JSON.parse(res.text) as { uid: string; prompt: string };
    const base = `${op.issuer}/interaction/${page.uid}`;
    const action = opts.abort ? "abort" : page.prompt === "login" ? "login" : "confirm";
    res = await browser.follow(await browser.request("POST", `${base}/${action}`, action === "login" ? { login: account } : {}), toProvider);
  }
  if (!res.location || new URL(res.location).origin !== appOrigin) throw new Error(`the provider did not send the browser back to the app: ${res.status} ${res.url} ${res.text.slice(0, 300)}`);
  const callbackUrl = new URL(res.location);
  opts.tamper?.(callbackUrl);
  return { callback: await browser.get(callbackUrl.href), callbackUrl: callbackUrl.href };
}
