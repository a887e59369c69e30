/** What a message for people must not hold: a route, a UUID, a camelCase or snake_case field name. */
import assert from "node:assert/strict";

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const ROUTE = /\/api\//;
const CAMEL = /\b[a-z]+[A-Z][A-Za-z]*\b/;
const SNAKE = /\b[a-z]+_[a-z_]+\b/;

export function assertPlain(detail: string, what: string): void {
  for (const [re, kind] of [[ROUTE, "a route"], [UUID, "an id"], [CAMEL, "a camelCase name"], [SNAKE, "a snake_case name"]] as const)
    assert.doesNotMatch(detail, re, `${what}: the message shows ${kind}: ${detail}`);
}
