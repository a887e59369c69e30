/**
 * The operator's CLI: `rollcall org create <name>`, `key create --org <name>`,
 * `key list --org <name>`, `key revoke <key-id>`, `migrate`. Uses DATABASE_URL.
 */
import { openDatabase, type Store } from "../db/connect.ts";
import { migrateToLatest } from "../db/migrate.ts";
import { DomainError } from "./org/errors.ts";
import { listKeys, revokeKey } from "./org/keys.ts";
import { createOrg, createOrgKey, getOrgByName } from "./org/orgs.ts";

const USAGE = `usage: rollcall <command>
  org create <name> [--plan standard|enterprise]   create an organization; prints its first API key last
  key create --org <name> [--label <text>]          create an API key for the org's provisioning account
  key list --org <name>                             list the org's keys (never the secrets)
  key revoke <key-id>                               revoke a key
  migrate                                           apply database migrations`;

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

function need(value: string | undefined, what: string): string {
  if (!value) throw new UsageError(`missing ${what}`);
  return value;
}

class UsageError extends Error {}

async function run(store: Store, args: string[]): Promise<void> {
  const [cmd, sub, ...rest] = args;
  const all = args.slice(1);
  if (cmd === "migrate") {
    const done = await migrateToLatest(store);
    console.log(done.length ? `applied: ${done.join(", ")}` : "database is up to date");
    return;
  }
  await migrateToLatest(store);
  if (cmd === "org" && sub === "create") {
    const name = need(rest.find((a, i) => !a.startsWith("--") && rest[i - 1] !== "--plan"), "organization name");
    const plan = flag(rest, "plan");
    if (plan && plan !== "standard" && plan !== "enterprise") throw new UsageError("--plan must be standard or enterprise");
    const { org, key } = await createOrg(store.db, name, { plan: plan as "standard" | "enterprise" | undefined });
    console.log(`created organization "${org.name}" (${org.id}), plan ${org.plan}`);
    console.log(`API key id ${key.id}; the key (shown once):`);
    console.log(key.key);
    return;
  }
  if (cmd === "key" && sub === "create") {
    const key = await createOrgKey(store.db, need(flag(all, "org"), "--org <name>"), flag(all, "label"));
    console.log(`API key id ${key.id}; the key (shown once):`);
    console.log(key.key);
    return;
  }
  if (cmd === "key" && sub === "list") {
    const org = await getOrgByName(store.db, need(flag(all, "org"), "--org <name>"));
    const keys = await listKeys(store.db, org.id);
    if (!keys.length) console.log("no keys");
    for (const k of keys)
      console.log(`${k.id}  ${k.prefix}…  ${k.owner}  created ${k.createdAt}  last used ${k.lastUsedAt ?? "never"}${k.revokedAt ? `  REVOKED ${k.revokedAt}` : ""}`);
    return;
  }
  if (cmd === "key" && sub === "revoke") {
    const id = need(rest[0], "key id");
    await revokeKey(store.db, id);
    console.log(`revoked ${id}`);
    return;
  }
  throw new UsageError(cmd ? `unknown command: ${args.join(" ")}` : "no command given");
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args[0] === "--help" || args[0] === "help") { console.log(USAGE); return 0; }
  let store: Store | undefined;
  try {
    store = openDatabase(process.env.DATABASE_URL);
    await run(store, args);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) { console.error(`${err.message}\n${USAGE}`); return 2; }
    if (err instanceof DomainError) { console.error(`error: ${err.message}`); return 1; }
    console.error("error:", err instanceof Error ? err.message : err);
    return 1;
  } finally {
    await store?.close();
  }
}

process.exitCode = await main();
