/** A real DNS server on loopback UDP answering TXT queries from a table the test edits. */
import dns2 from "dns2";

export interface TxtServer {
  /** host:port, for DNS_RESOLVER */
  address: string;
  records: Map<string, string[]>;
  close(): Promise<void>;
}

export async function startTxtServer(): Promise<TxtServer> {
  const { Packet } = dns2;
  const records = new Map<string, string[]>();
  const server = dns2.createServer({
    udp: true,
    handle: (request: any, send: (r: any) => void) => {
      const response = Packet.createResponseFromRequest(request);
      const [q] = request.questions;
      const values = q && q.type === Packet.TYPE.TXT ? records.get(String(q.name).toLowerCase()) : undefined;
      if (!values) response.header.rcode = 3; // NXDOMAIN
      for (const data of values ?? []) response.answers.push({ name: q.name, type: Packet.TYPE.TXT, class: Packet.CLASS.IN, ttl: 1, data } as any);
      send(response);
    },
  });
  const listening = await server.listen({ udp: { port: 0, address: "127.0.0.1" } });
  const port = (listening as any).udp.port as number;
  return { address: `127.0.0.1:${port}`, records, close: () => server.close() };
}
