/** Admin API: claimed e-mail domains. Org admins claim, verify and release; everyone in the org reads (verification tokens only for those who manage domains). */
import { DnsLookupError, txtLookup } from "../dns/txt.ts";
import { can, ensureCan } from "../org/access/can.ts";
import { claimDomain, listDomains, releaseDomain, toDomainView, getDomain, verifyDomain, withoutToken, type DomainView } from "../org/orgs/domains.ts";
import { adminCtx, type AdminContext } from "./context.ts";
import { BOUNDS } from "../org/bounds.ts";
import { ProblemError } from "./errors.ts";
import { z } from "zod";
import { name } from "./input.ts";
import type { RouteRegistry } from "./openapi.ts";

/** Domains as this caller may see them: with the token only when they may manage domains. */
function visible(ctx: AdminContext, d: DomainView): DomainView {
  return can(ctx.principal, "domains:manage").allowed ? d : withoutToken(d);
}

export function register(r: RouteRegistry): void {
  r.add({
    method: "post", path: "/domains", tag: "domains", status: 201, summary: "Claim an e-mail domain; returns the TXT record that proves it. A pending claim expires (DOMAIN_CLAIM_TTL_DAYS) and blocks no other organization; the first to verify wins",
    body: z.strictObject({ domain: name(BOUNDS.identifierChars).describe("e.g. example.com") }),
    handler: async (_req, res, { body }) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "domains:manage");
      res.status(201).json(await claimDomain(ctx.store.db, ctx.orgId, body.domain, ctx.actor, ctx.config.domainClaimTtlDays));
    },
  });
  r.add({
    method: "get", path: "/domains", tag: "domains", summary: "The organization's claimed domains",
    handler: async (_req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "domains:read");
      res.json({ domains: (await listDomains(ctx.store.db, ctx.orgId)).map((d) => visible(ctx, d)) });
    },
  });
  r.add({
    method: "get", path: "/domains/:domainId", tag: "domains", summary: "One claimed domain",
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "domains:read");
      res.json(visible(ctx, toDomainView(await getDomain(ctx.store.db, ctx.orgId, String(req.params.domainId)))));
    },
  });
  r.add({
    method: "post", path: "/domains/:domainId/verify", tag: "domains", summary: "Look the TXT record up in DNS and mark the claim verified",
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "domains:manage");
      try {
        res.json(await verifyDomain(ctx.store.db, ctx.orgId, String(req.params.domainId), txtLookup(ctx.config.dnsResolver), ctx.actor));
      } catch (err) {
        if (err instanceof DnsLookupError) throw new ProblemError(502, "Bad Gateway", `${err.message}; try again later`);
        throw err;
      }
    },
  });
  r.add({
    method: "delete", path: "/domains/:domainId", tag: "domains", status: 204, summary: "Release a claimed domain",
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "domains:manage");
      await releaseDomain(ctx.store.db, ctx.orgId, String(req.params.domainId), ctx.actor);
      res.status(204).end();
    },
  });
}
