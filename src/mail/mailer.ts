/**
 * Outgoing e-mail (invite links) over SMTP with nodemailer. Without SMTP_URL
 * nothing is sent and the message is written to the log instead, so a
 * development setup still gets its links.
 *
 * @example
 * const result = await mailerFor(config).send({ to: "ada@example.com", subject: "…", text: "…" });
 */
import { createRequire } from "node:module";
import type { Transporter } from "nodemailer";
import type { Config } from "../config.ts";

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export interface Delivery {
  sent: boolean;
  via: "smtp" | "log";
  /** why an SMTP delivery failed */
  error?: string;
}

export interface Mailer {
  send(mail: Mail): Promise<Delivery>;
}

const cache = new WeakMap<Config, Mailer>();

/** One mailer (one SMTP connection pool) per configuration. */
export function mailerFor(config: Config, info: (msg: string) => void = (m) => console.log(m)): Mailer {
  let m = cache.get(config);
  if (!m) {
    m = config.smtpUrl ? smtpMailer(config.smtpUrl, config.smtpFrom) : logMailer(info);
    cache.set(config, m);
  }
  return m;
}

// nodemailer is loaded with the first SMTP mailer: an instance that sends no mail saves its memory.
const requireNodemailer = (): typeof import("nodemailer") => createRequire(import.meta.url)("nodemailer");

function smtpMailer(url: string, from: string): Mailer {
  const transport: Transporter = requireNodemailer().createTransport(url);
  return {
    async send(mail) {
      try {
        await transport.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text });
        return { sent: true, via: "smtp" };
      } catch (err) {
        return { sent: false, via: "smtp", error: err instanceof Error ? err.message : String(err) };
      }
    },
  };
}

function logMailer(info: (msg: string) => void): Mailer {
  return {
    async send(mail) {
      info(`[mail] SMTP_URL is not set; not sent to ${mail.to}: ${mail.subject}\n${mail.text}`);
      return { sent: false, via: "log" };
    },
  };
}
