/**
 * Role mapping rules (issue 10, item 2) through the admin API and SCIM:
 * overlapping rules (the highest priority wins), a tie refused at save, the dry
 * run predicting exactly what saving applies, the last-admin rule refusing for
 * one member and reporting it, and SCIM group changes re-applying the rules.
 */
import assert from "node:assert/strict";
import { auth, GROUP_URN, patch, SCIM, startTestApp, type TestApp } from "../support/app.ts";
import { addMember, as, expectOk, problem, type TestMember } from "../admin/principals.ts";

describe("role mapping rules: precedence, ties, dry run == applied", () => {
  let t: TestApp;
  let admin: TestMember;
  let ann: TestMember;
  let bob: TestMember;
  let cat: TestMember;
  let mlAll: string;
  let vision: string;
  before(async () => {
    t = await startTestApp();
    admin = await addMember(t, "admin", "admin");
    ann = await addMember(t, "ann");
    bob = await addMember(t, "bob");
    cat = await addMember(t, "cat");
    const group = async (displayName: string, ids: string[]) => {
      const res = await t.http.post("/scim/v2/Groups").set(auth(t.org.key)).type(SCIM).send({ schemas: [GROUP_URN], displayName, members: ids.map((value) => ({ value })) });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.id as string;
    };
    await group("ml-admins", [ann.id]);
    mlAll = await group("ml-all", [admin.id, ann.id, bob.id, cat.id]);
    vision = expectOk(await as(t, admin.key).post("/teams", { name: "Vision" }), 201).id;
  });
  after(async () => t?.close());

  const state = async (m: TestMember) => {
    const v = expectOk(await as(t, admin.key).get(`/members/${m.id}`));
    return { orgRole: v.orgRole, weaveRole: v.weaveRole, vision: v.teams.find((x: { id: string }) => x.id === vision)?.role ?? null };
  };
  const rule = (body: object) => as(t, admin.key).post("/role-mappings", body);
  const dryRun = (body: object) => as(t, admin.key).post("/role-mappings/dry-run", body);
  /** The report, with the rule's id as "RULE" (a dry run's rule gets an id of its own, then rolled back). */
  const strip = (out: { rule: { id: string }; report: unknown }) => JSON.parse(JSON.stringify(out.report).replaceAll(out.rule.id, "RULE"));

  it("overlapping rules: the highest priority wins per field and per team; a tie is refused at save", async () => {
    const low = { priority: 10, match: { kind: "scim-group", value: "ML-ALL" }, weaveRole: "viewer", team: { id: vision, role: "view-only" } };
    const predicted = expectOk(await dryRun(low));
    assert.deepEqual(await state(ann), { orgRole: "member", weaveRole: "full", vision: null }, "a dry run saves nothing");
    const saved = expectOk(await rule(low), 201);
    assert.deepEqual(strip(saved), strip(predicted), "the dry run predicts exactly what applying does");
    assert.deepEqual(saved.report.map((r: { userName: string }) => r.userName), ["admin", "ann", "bob", "cat"]);

    const high = { priority: 20, match: { kind: "scim-group", value: "ml-admins" }, orgRole: "admin", team: { id: vision, role: "admin" } };
    problem(await rule({ ...high, priority: 10 }), 409, /priority 10 is already held by rule .* a tie is refused/);
    const predictedHigh = expectOk(await dryRun(high));
    const savedHigh = expectOk(await rule(high), 201);
    assert.deepEqual(strip(savedHigh), strip(predictedHigh));
    assert.deepEqual(savedHigh.report, [{
      memberId: ann.id, userName: "ann", refused: [],
      changes: [
        { what: "orgRole", from: "member", to: "admin", rule: savedHigh.rule.id },
        { what: "team Vision", from: "view-only", to: "admin", rule: savedHigh.rule.id },
      ],
    }]);
    assert.deepEqual(await state(ann), { orgRole: "admin", weaveRole: "viewer", vision: "admin" });
    assert.deepEqual(await state(bob), { orgRole: "member", weaveRole: "viewer", vision: "view-only" });
    const listed = expectOk(await as(t, admin.key).get("/role-mappings"));
    assert.deepEqual(listed.items.map((r: { priority: number }) => r.priority), [20, 10]);
    const audit = await t.store.db.selectFrom("audit_events").select("detail").where("action", "=", "mapping.applied").where("target_id", "=", ann.id).orderBy("id", "desc").executeTakeFirstOrThrow();
    assert.equal(JSON.parse(audit.detail!).changes[0].rule, savedHigh.rule.id, "the audit names the rule that caused the change");
    const sources = expectOk(await as(t, admin.key).get(`/members/${ann.id}`)).sources.orgRole;
    assert.deepEqual(sources.map((s: { kind: string; id: string }) => `${s.kind} ${s.id}`), [`mapping ${savedHigh.rule.id}`]);
  });

  it("a rule that would remove the last active admin is refused for that member and reported; the others apply", async () => {
    const demote = { priority: 30, match: { kind: "scim-group", value: "ml-all" }, orgRole: "member" };
    const predicted = expectOk(await dryRun(demote));
    const saved = expectOk(await rule(demote), 201);
    assert.deepEqual(strip(saved), strip(predicted));
    const byName = new Map(saved.report.map((r: { userName: string }) => [r.userName, r]));
    assert.deepEqual((byName.get("admin") as { changes: unknown[] }).changes, [{ what: "orgRole", from: "admin", to: "member", rule: saved.rule.id }]);
    const refusedAnn = (byName.get("ann") as { refused: { reason: string }[] }).refused;
    assert.equal(refusedAnn.length, 1);
    assert.match(refusedAnn[0]!.reason, /last active admin/);
    assert.equal((await state(ann)).orgRole, "admin");
    assert.equal((await state(admin)).orgRole, "member");
    expectOk(await as(t, ann.key).delete(`/role-mappings/${saved.rule.id}`));
  });

  it("a SCIM group change re-applies the rules: leaving the directory group takes the rule's team away", async () => {
    const res = await t.http.patch(`/scim/v2/Groups/${mlAll}`).set(auth(t.org.key)).type(SCIM).send(patch({ op: "remove", path: `members[value eq "${bob.id}"]` }));
    assert.equal(res.status, 204, JSON.stringify(res.body));
    assert.deepEqual(await state(bob), { orgRole: "member", weaveRole: "viewer", vision: null }, "the team goes; the seat keeps its value (nobody's grant now)");
    const cats = await state(cat);
    assert.equal(cats.vision, "view-only");
  });

  it("only org admins read or change rules; bad bodies are 400", async () => {
    problem(await as(t, bob.key).get("/role-mappings"), 403);
    problem(await as(t, bob.key).post("/role-mappings/dry-run", { priority: 99, match: { kind: "oidc-group", value: "x" }, orgRole: "admin" }), 403);
    problem(await as(t, ann.key).post("/role-mappings", { priority: 98, match: { kind: "nope", value: "x" }, orgRole: "admin" }), 400);
    problem(await as(t, ann.key).post("/role-mappings", { priority: 97, match: { kind: "oidc-group", value: "x" } }), 400, /must grant something/);
  });
});
