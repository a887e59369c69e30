/** Where the events router answers (here, apart from it, so src/app.ts can load it lazily by path). */
export const JWKS_PATH = "/.well-known/scim-events-jwks.json";
export const POLL_PREFIX = "/events/poll/";

export const isEventsPath = (path: string): boolean => path === JWKS_PATH || path.startsWith(POLL_PREFIX);
