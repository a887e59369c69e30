/** A browser following a mailed sign-in link: fresh cookie jars, the link in a message, the page's form. */
import assert from "node:assert/strict";
import type http from "node:http";
import supertest from "supertest";
import type { TestApp } from "../support/app.ts";
import { textOf } from "../admin/smtp.ts";

/** A new browser (its own cookies) on the test app's server, coming from client address `ip` (TRUST_PROXY on). */
export function browser(t: TestApp, ip: string): { agent: supertest.Agent; ip: string } {
  const agent = supertest.agent((t.http as unknown as { app: http.Server }).app);
  agent.set("X-Forwarded-For", ip);
  return { agent, ip };
}

/** The sign-in link in a message: its path (with the org id) and token. */
export function signInLinkIn(raw: string): { path: string; token: string; url: string } {
  const m = /(https?:\/\/[^\s/]+)(\/auth\/[^\s/]+\/email\/callback\?token=([A-Za-z0-9_-]+))/.exec(textOf(raw));
  if (!m) throw new Error(`no sign-in link in:\n${raw}`);
  return { url: m[1]! + m[2]!, path: m[2]!, token: m[3]! };
}

/** Opens the link's page (HTML, one form) and submits its form, as a browser does. */
export async function followLink(agent: supertest.Agent, path: string): Promise<supertest.Response> {
  const page = await agent.get(path).set("Accept", "text/html");
  assert.equal(page.status, 200, page.text);
  assert.match(String(page.headers["content-type"]), /text\/html/);
  const action = /<form method="post" action="([^"]+)">/.exec(page.text)?.[1];
  const token = /name="token" value="([^"]+)"/.exec(page.text)?.[1];
  const nonce = /name="nonce" value="([^"]+)"/.exec(page.text)?.[1];
  assert.ok(action && token && nonce, page.text);
  return agent.post(action).type("form").set("Accept", "text/html").send({ token, nonce });
}

/** Waits for the next message (not taken before) addressed to `to`. */
export async function mailTo(inbox: { messages: { to: string[]; raw: string }[] }, taken: Set<number>, to: string, timeoutMs = 5000): Promise<{ raw: string }> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const i = inbox.messages.findIndex((m, n) => !taken.has(n) && m.to.some((a) => a.toLowerCase() === to.toLowerCase()));
    if (i >= 0) { taken.add(i); return inbox.messages[i]!; }
    if (Date.now() > until) throw new Error(`no message to ${to} arrived`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
