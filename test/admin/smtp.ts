/** A real SMTP server on loopback that keeps what arrives, for tests that read their mail. */
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export interface Received {
  from: string;
  to: string[];
  raw: string;
}

export interface Inbox {
  url: string;
  messages: Received[];
  /** waits for the n-th message (1-based) to arrive */
  nth(n: number, timeoutMs?: number): Promise<Received>;
  close(): Promise<void>;
}

export async function startInbox(): Promise<Inbox> {
  const messages: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    // A mailbox that refuses mail, for the "not delivered" answers.
    onRcptTo(address, _session, callback) {
      if (address.address.endsWith("@refused.example")) { callback(Object.assign(new Error("mailbox unavailable"), { responseCode: 550 })); return; }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString("utf8"),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    async nth(n, timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      while (messages.length < n) {
        if (Date.now() > until) throw new Error(`expected ${n} messages, got ${messages.length}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return messages[n - 1]!;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The message's text with quoted-printable encoding undone. */
export function textOf(raw: string): string {
  return raw.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** The invite token in a message's accept link. */
export function tokenIn(raw: string): string {
  const text = textOf(raw);
  const m = /\/invites\/accept\?token=([A-Za-z0-9_-]+)/.exec(text);
  if (!m) throw new Error(`no invite link in:\n${raw}`);
  return m[1]!;
}
