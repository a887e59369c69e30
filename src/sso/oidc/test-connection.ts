/**
 * "Test connection" for an OpenID Connect set-up, before or after saving: discovery
 * (the issuer answers with its metadata), then client authentication at the token
 * endpoint. The second step redeems a code that cannot exist: a provider that
 * accepted the client id and secret says the code is invalid (`invalid_grant`), one
 * that did not says `invalid_client`. Nothing is stored and no one signs in.
 */
import * as client from "openid-client";
import { describeProviderError, discoverProvider, type ProviderClient } from "./provider.ts";

export interface OidcCheck { step: "discovery" | "client"; ok: boolean; message: string }

const NO_SUCH_CODE = "rollcall-connection-test";

export async function testOidcConnection(c: ProviderClient, redirectUri: string): Promise<{ ok: boolean; checks: OidcCheck[] }> {
  let cfg: client.Configuration;
  try {
    cfg = await discoverProvider(c);
  } catch (err) {
    return { ok: false, checks: [{ step: "discovery", ok: false, message: `The issuer did not answer as an OpenID Provider: ${describeProviderError(err)}.` }] };
  }
  const meta = cfg.serverMetadata();
  const checks: OidcCheck[] = [{ step: "discovery", ok: true, message: `The issuer ${meta.issuer} answered; it signs people in at ${meta.authorization_endpoint ?? "its sign-in page"}.` }];
  try {
    await client.genericGrantRequest(cfg, "authorization_code", { code: NO_SUCH_CODE, redirect_uri: redirectUri });
    checks.push({ step: "client", ok: false, message: "The provider accepted a code that cannot exist; it is not safe to use." });
  } catch (err) {
    const code = err instanceof client.ResponseBodyError ? err.error : undefined;
    if (code === "invalid_grant") checks.push({ step: "client", ok: true, message: "The provider accepted the client id and secret." });
    else if (code === "invalid_client" || code === "unauthorized_client") checks.push({ step: "client", ok: false, message: "The provider did not accept the client id and secret: check both in the provider's application settings." });
    else checks.push({ step: "client", ok: false, message: `The client could not be checked: ${describeProviderError(err)}.` });
  }
  return { ok: checks.every((x) => x.ok), checks };
}
