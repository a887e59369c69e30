/** Admin API: ldap. */
import type { RouteRegistry } from "./openapi.ts";

export function register(_r: RouteRegistry): void {}
