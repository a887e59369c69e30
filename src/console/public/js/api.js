// Every console action goes through the admin API: cookies ride along, writes carry the session's CSRF token.
let csrf = null;

export class ApiError extends Error {
  constructor(status, detail) { super(detail); this.status = status; }
}

export function setCsrf(token) { csrf = token; }

export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrf) headers["X-Rollcall-CSRF"] = csrf;
  let res;
  try {
    res = await fetch(`/api/v1${path}`, { method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, "the server could not be reached; check the connection and try again");
  }
  if (res.status === 204) return null;
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  // A session that ended (signed out elsewhere, a replaced sign-in connection) is said in words.
  if (res.status === 401) throw new ApiError(401, "You are signed out (your session ended). Reload the page to sign in again.");
  if (!res.ok) throw new ApiError(res.status, (data && (data.detail || data.title)) || `the server answered ${res.status}`);
  return data;
}

export const get = (p) => api("GET", p);
export const post = (p, b = {}) => api("POST", p, b);
export const put = (p, b = {}) => api("PUT", p, b);
export const patch = (p, b) => api("PATCH", p, b);
export const del = (p) => api("DELETE", p);

/** A query string from an object, skipping empty values. */
export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : "";
}
