/** The `iss` of Rollcall's SETs: its public SCIM base URL (or a fixed URN without ROLLCALL_BASE_URL). */
import type { Config } from "../config.ts";

export const eventIssuer = (config: Config): string => (config.baseUrl ? `${config.baseUrl}/scim/v2` : "urn:rollcall:scim");
