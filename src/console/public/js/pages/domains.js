// Domains: claim, the TXT record to publish, verify (DNS lookup by the server), status, release.
import { del, get, post } from "../api.js";
import { confirmAction } from "../changes.js";
import { busy, copy, field, fmtTime, h, messageArea, section, table } from "../ui.js";

export async function render({ reload }) {
  const { domains } = await get("/domains");
  const msg = messageArea();
  const input = h("input", { type: "text", name: "domain", placeholder: "example.com", required: true, autocomplete: "off" });
  const claim = h("button.primary", { type: "submit" }, "Claim domain");
  const rows = domains.map((d) => {
    const verify = h("button.small", { type: "button" }, "Verify");
    verify.addEventListener("click", () => busy(verify, msg, async () => { await post(`/domains/${d.id}/verify`); await reload(); }));
    const release = h("button.small.danger", { type: "button" }, "Release");
    release.addEventListener("click", async () => { if (await confirmAction({ title: `Release ${d.domain}?`, body: "People from it are no longer routed to this organization, and another organization may claim it.", confirm: "Release domain" })) busy(release, msg, async () => { await del(`/domains/${d.id}`); await reload(); }); });
    const cp = h("button.small", { type: "button", "aria-label": `Copy the TXT value for ${d.domain}` }, "Copy");
    cp.addEventListener("click", () => copy(d.txtRecord.value, msg));
    return h("tr", { dataset: { domain: d.domain } },
      h("td", {}, d.domain),
      h("td", {}, h("span", { class: `tag ${d.status}` }, d.status), d.verifiedAt ? h("span.muted", {}, ` ${fmtTime(d.verifiedAt)}`) : null),
      h("td", {}, d.status === "verified" || !d.txtRecord ? h("span.muted", {}, "—") : [h("div", {}, "Name ", h("code", {}, d.txtRecord.name), " type ", h("code", {}, "TXT")), h("div", {}, "Value ", h("code.txt", {}, d.txtRecord.value), " ", cp)]),
      h("td.actions", {}, d.status === "verified" ? null : verify, release));
  });
  return h("div", {}, msg.el,
    section("Claimed domains", domains.length ? table(["Domain", "Status", "DNS record to publish", ""], rows, "Claimed domains") : h("p.empty", {}, "No domains claimed."),
      h("p.hint", {}, "A claimed domain routes no one until it is verified. Publish the TXT record at your DNS provider, then press Verify.")),
    section("Claim a domain", h("form.row", { on: { submit: (e) => { e.preventDefault(); busy(claim, msg, async () => { const d = await post("/domains", { domain: input.value.trim() }); msg.ok(`Claimed ${d.domain}: publish the TXT record, then verify.`); await reload(); }); } } },
      field("E-mail domain", input), h("div.field", {}, h("span", { "aria-hidden": "true" }, " "), claim))));
}
