/** Admin API: me. */
import type { RouteRegistry } from "./openapi.ts";

export function register(_r: RouteRegistry): void {}
