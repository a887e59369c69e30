/** The e-mail that carries a one-time sign-in link. */
import type { Mail } from "../../mail/mailer.ts";

export function signInLinkMail(p: { to: string; orgName: string; url: string; ttlMinutes: number; forInvite: boolean }): Mail {
  return {
    to: p.to,
    subject: p.forInvite ? `Your link to join ${p.orgName}` : `Your sign-in link for ${p.orgName}`,
    text: [
      p.forInvite
        ? `Someone asked for a link to accept the invitation to "${p.orgName}" with this address.`
        : `Someone asked to sign in to "${p.orgName}" with this address.`,
      "",
      `Sign in: ${p.url}`,
      "",
      `The link works once, for ${p.ttlMinutes} minutes. If you did not ask for it, ignore this message: nothing happens without the link.`,
    ].join("\n"),
  };
}
