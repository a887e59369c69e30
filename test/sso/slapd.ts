/**
 * The tests' own OpenLDAP server: Debian's `slapd` started as a separate
 * instance (own temp dir, generated slapd.conf, `mdb` backend loaded with
 * `moduleload back_mdb`, seeded with `slapadd`), listening on a loopback port,
 * in the foreground, and stopped by its pid afterwards.
 *
 * slapd runs with `-d 256` (stats): every connection, BIND and SRCH is written
 * to stderr and kept in `log`, so tests can assert what the directory was asked.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

const SLAPD = "/usr/sbin/slapd";
const SLAPADD = "/usr/sbin/slapadd";
const PACKAGES = ["slapd", "ldap-utils"];

export const BASE_DN = "dc=example,dc=org";
export const SERVICE_DN = `cn=rollcall,ou=services,${BASE_DN}`;
export const SERVICE_PASSWORD = "service-secret";
export const PEOPLE_DN = `ou=people,${BASE_DN}`;
export const GROUPS_DN = `ou=groups,${BASE_DN}`;

export interface Person {
  uid: string;
  /** the RDN of the entry under ou=people (defaults to uid=<uid>) */
  rdn?: string;
  cn: string;
  sn: string;
  givenName: string;
  mail: string;
  password: string;
  groups: string[];
}

/** Seeded people. `dana`'s DN has parentheses (filter specials) and `eve`'s a comma (a DN special). */
export const PEOPLE: Person[] = [
  { uid: "alice", cn: "Alice Liddell", sn: "Liddell", givenName: "Alice", mail: "alice@example.org", password: "alice-pw", groups: ["rollcall-users", "engineers"] },
  { uid: "bob", cn: "Bob Builder", sn: "Builder", givenName: "Bob", mail: "bob@example.org", password: "bob-pw", groups: ["contractors"] },
  { uid: "dana", rdn: "cn=Dana (Ops)", cn: "Dana (Ops)", sn: "Scully", givenName: "Dana", mail: "dana@example.org", password: "dana-pw", groups: ["rollcall-users", "ops"] },
  { uid: "eve", rdn: "cn=Smith\\, Eve", cn: "Smith, Eve", sn: "Smith", givenName: "Eve", mail: "eve@example.org", password: "eve-pw", groups: ["rollcall-users"] },
];

export const dnOf = (p: Person): string => `${p.rdn ?? `uid=${p.uid}`},${PEOPLE_DN}`;
export const person = (uid: string): Person => PEOPLE.find((p) => p.uid === uid)!;

export interface Slapd {
  url: string;
  pid: number;
  /** slapd's stats log (stderr), line by line */
  log: string[];
  /** BIND lines logged since `from` (an index into `log`) */
  binds(from?: number): string[];
  searches(from?: number): string[];
  stop(): Promise<void>;
}

/** Makes sure slapd and the LDAP tools are there: installs them when running as root, otherwise fails naming them. */
export function ensureSlapdInstalled(): void {
  if (fs.existsSync(SLAPD) && fs.existsSync(SLAPADD)) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`the LDAP tests need Debian's ${PACKAGES.join(" and ")} (missing ${SLAPD}); install them: apt-get install -y ${PACKAGES.join(" ")}`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update"], { stdio: "inherit", env });
  execFileSync("apt-get", ["install", "-y", ...PACKAGES], { stdio: "inherit", env });
  if (!fs.existsSync(SLAPD)) throw new Error(`installing ${PACKAGES.join(" ")} did not provide ${SLAPD}`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function config(dir: string): string {
  return [
    "include /etc/ldap/schema/core.schema",
    "include /etc/ldap/schema/cosine.schema",
    "include /etc/ldap/schema/inetorgperson.schema",
    `pidfile ${dir}/slapd.pid`,
    `argsfile ${dir}/slapd.args`,
    "modulepath /usr/lib/ldap",
    "moduleload back_mdb",
    "database mdb",
    "maxsize 10485760",
    `suffix "${BASE_DN}"`,
    `rootdn "cn=admin,${BASE_DN}"`,
    "rootpw {CLEARTEXT}admin-secret",
    `directory ${dir}/data`,
    // Passwords are only for binding; anonymous users can bind and nothing else,
    // so every search must come from the service account.
    "access to attrs=userPassword by anonymous auth by * none",
    "access to * by users read by * none",
    "",
  ].join("\n");
}

function seed(people: Person[]): string {
  const entries: string[] = [
    `dn: ${BASE_DN}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example`,
    `dn: ou=people,${BASE_DN}\nobjectClass: organizationalUnit\nou: people`,
    `dn: ou=groups,${BASE_DN}\nobjectClass: organizationalUnit\nou: groups`,
    `dn: ou=services,${BASE_DN}\nobjectClass: organizationalUnit\nou: services`,
    `dn: ${SERVICE_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: rollcall\nuserPassword: ${SERVICE_PASSWORD}`,
  ];
  for (const p of people) {
    entries.push([
      `dn: ${dnOf(p)}`, "objectClass: inetOrgPerson", `uid: ${p.uid}`, `cn: ${p.cn}`, `sn: ${p.sn}`,
      `givenName: ${p.givenName}`, `mail: ${p.mail}`, `userPassword: ${p.password}`,
    ].join("\n"));
  }
  const groups = [...new Set(people.flatMap((p) => p.groups))];
  for (const g of groups) {
    const members = people.filter((p) => p.groups.includes(g)).map((p) => `member: ${dnOf(p)}`);
    entries.push([`dn: cn=${g},${GROUPS_DN}`, "objectClass: groupOfNames", `cn: ${g}`, ...members].join("\n"));
  }
  return `${entries.join("\n\n")}\n`;
}

async function waitForPort(port: number, child: ChildProcess, log: string[], ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`slapd exited with ${child.exitCode}:\n${log.join("\n")}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, "127.0.0.1");
      s.once("connect", () => { s.destroy(); resolve(true); });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`slapd did not listen on 127.0.0.1:${port} within ${ms} ms:\n${log.join("\n")}`);
}

/**
 * Starts the tests' slapd seeded with PEOPLE, plus `extraPeople` (a suite's own
 * people; their uids and DNs must not collide with PEOPLE's).
 */
export async function startSlapd(opts: { extraPeople?: Person[] } = {}): Promise<Slapd> {
  const people = [...PEOPLE, ...(opts.extraPeople ?? [])];
  ensureSlapdInstalled();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rollcall-slapd-"));
  fs.mkdirSync(path.join(dir, "data"));
  const conf = path.join(dir, "slapd.conf");
  fs.writeFileSync(conf, config(dir));
  fs.writeFileSync(path.join(dir, "seed.ldif"), seed(people));
  execFileSync(SLAPADD, ["-f", conf, "-b", BASE_DN, "-l", path.join(dir, "seed.ldif")], { stdio: "pipe" });

  const port = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  const child = spawn(SLAPD, ["-h", `${url}/`, "-f", conf, "-d", "256"], { stdio: ["ignore", "ignore", "pipe"] });
  const log: string[] = [];
  let partial = "";
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    const lines = (partial + chunk).split("\n");
    partial = lines.pop() ?? "";
    log.push(...lines);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // Never outlive the test process (a failing after-hook, a killed run), and never keep it alive.
  const killOnExit = () => {
    if (child.exitCode === null) child.kill("SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", killOnExit);
  child.unref();
  (child.stderr as unknown as { unref?: () => void }).unref?.();
  try {
    await waitForPort(port, child, log);
  } catch (err) {
    child.kill("SIGKILL");
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const pid = child.pid!;
  const grep = (re: RegExp) => (from = 0) => log.slice(from).filter((l) => re.test(l));
  return {
    url, pid, log,
    binds: grep(/ BIND dn=/),
    searches: grep(/ SRCH base=/),
    async stop() {
      process.removeListener("exit", killOnExit);
      if (child.exitCode === null) {
        process.kill(pid, "SIGTERM");
        const killer = setTimeout(() => { if (child.exitCode === null) process.kill(pid, "SIGKILL"); }, 5000);
        await exited;
        clearTimeout(killer);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
