/**
 * Seat limits as a newcomer meets them: when an admin invites, when the invite
 * is accepted, and when someone joins on their own sign-in (auto-provisioning).
 * The member rules (member-roles.ts) refuse any write past a limit; these
 * checks come first so that the refusal names what an admin can do.
 *
 * Seat overflow (org setting `seatOverflow`): "refuse" (default) refuses a
 * newcomer on their own sign-in when the full Models seats are used up;
 * "no-seat" lets them join with no Models seat (modelsSeat none — the seed's
 * "No-Access" seat), so nobody is locked out silently and an admin can hand
 * out a seat later. Invites carry the seat an admin chose and are checked
 * against it (an admin who wants seatless invitees invites with modelsSeat none).
 *
 * @example
 * const seat = await newcomerSeat(trx, org); // "full", or "none" when overflowing
 */
import type { Kysely } from "kysely";
import type { Database, Org } from "../../../db/types.ts";
import { refused } from "../errors.ts";
import { lockOrg } from "../members/member-roles.ts";
import { racePoint } from "../race-points.ts";

type Db = Kysely<Database>;
export type LimitedSeat = "full" | "viewer";

const LIMIT = { full: "full_models_seat_limit", viewer: "viewer_models_seat_limit" } as const;

/** The same words as the member rules: "seat limit reached: 10 of 10 full Models seats in use". */
export const seatLimitMessage = (seat: LimitedSeat, used: number, limit: number): string =>
  `seat limit reached: ${used} of ${limit} ${seat} Models seats in use`;

/** Used and limit when one more `seat` would pass the org's limit; null when there is room (or no limit). */
export async function seatFull(db: Db, org: Org, seat: string): Promise<{ seat: LimitedSeat; used: number; limit: number } | null> {
  if (seat !== "full" && seat !== "viewer") return null;
  const limit = org[LIMIT[seat]];
  if (limit === null) return null;
  const row = await db.selectFrom("members").select((eb) => eb.fn.countAll().as("n"))
    .where("org_id", "=", org.id).where("active", "=", 1).where("models_seat", "=", seat).executeTakeFirstOrThrow();
  const used = Number(row.n);
  return used >= limit ? { seat, used, limit } : null;
}

/** Refuses an invite (or its acceptance) whose seat is used up, naming the limit and what an admin can do. */
export async function assertInviteSeat(trx: Db, orgId: string, seat: string, when: "invite" | "accept"): Promise<void> {
  const org = await lockOrg(trx, orgId);
  const full = await seatFull(trx, org, seat);
  if (!full) return;
  const advice = when === "invite"
    ? "free a seat or raise the limit first, or invite with another Models seat (e.g. none)"
    : `an admin of ${org.name} can free a seat or raise the limit, or invite you again with another Models seat`;
  throw refused(`${seatLimitMessage(full.seat, full.used, full.limit)}; ${advice}`);
}

/**
 * The Models seat of someone joining on their own sign-in, under the org lock
 * (two newcomers cannot both take the last seat): "full" while there is room;
 * when full seats are used up, "none" with seatOverflow "no-seat", otherwise a
 * refusal that names the limit and what an admin can do.
 */
export async function newcomerSeat(trx: Db, orgId: string): Promise<"full" | "none"> {
  const org = await lockOrg(trx, orgId);
  const full = await seatFull(trx, org, "full");
  await racePoint("arrival.newcomer-seat.counted");
  if (!full) return "full";
  if (org.seat_overflow === "no-seat") return "none";
  throw refused(
    `${seatLimitMessage(full.seat, full.used, full.limit)} in ${org.name}; an admin of ${org.name} can free a seat, raise the limit ` +
    "in the organization's settings, or let new people join without a Models seat when the seats run out");
}
