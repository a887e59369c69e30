/**
 * SCIM filter parser (RFC 7644 §3.4.2.2): a hand-written tokenizer and a
 * recursive-descent parser. One pass over the tokens, no backtracking, so the
 * time is linear in the input; length, nesting depth and number of comparisons
 * are capped so abusive filters are refused at once.
 *
 * Grammar (keywords and operators case-insensitive, `and` binds tighter than `or`):
 *
 *   filter    = or
 *   or        = and *("or" and)
 *   and       = unary *("and" unary)
 *   unary     = "not" "(" filter ")" / "(" filter ")" / attrExpr
 *   attrExpr  = attrPath "pr" / attrPath op value
 *             / attrPath "[" filter "]" [ "." subAttr ( "pr" / op value ) ]
 *   attrPath  = [ URN ":" ] attrName [ "." subAttr ]
 *
 * `emails[type eq "work"].value eq "a@b"` is read as the value path
 * `emails[type eq "work" and value eq "a@b"]`: both conditions on the same value.
 * Value paths do not nest. Error positions are 0-based character offsets.
 *
 * @example
 * const r = parseFilter('userName eq "bjensen" and not (emails pr)');
 * if (r.ok) console.log(r.value.kind); // "and"
 */
import type { AttrPath, CompareOp, FilterNode, Literal, Result } from "./ast.ts";

export const MAX_FILTER_LENGTH = 4096;
/** parentheses, `not (...)` and `[...]` each count one level */
export const MAX_FILTER_DEPTH = 32;
/** comparisons and `pr` tests */
export const MAX_FILTER_COMPARISONS = 64;

const OPERATORS = new Set<string>(["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]);
const NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;
const SUB_NAME = /^(?:[A-Za-z][A-Za-z0-9_-]*|\$ref)$/;
const NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
const DELIMITERS = new Set(["(", ")", "[", "]", '"', " ", "\t", "\r", "\n"]);

type Token =
  | { t: "(" | ")" | "[" | "]" | "end"; pos: number }
  | { t: "str" | "word"; pos: number; value: string };

class ParseError extends Error {}

function fail<T>(scimType: string, detail: string): Result<T> {
  return { ok: false, error: { scimType, detail } };
}

export function parseFilter(text: string): Result<FilterNode> {
  return guarded("invalidFilter", text, (p) => {
    const node = p.or(false);
    p.expectEnd();
    return node;
  });
}

/** `[urn:…:]attr[.sub]` — used for `sortBy` and plain PATCH paths. scimType "invalidPath". */
export function parseAttrPath(text: string): Result<AttrPath> {
  if (text.length > MAX_FILTER_LENGTH) return fail("invalidPath", `path is longer than ${MAX_FILTER_LENGTH} characters`);
  try {
    return { ok: true, value: toAttrPath(text.trim(), 0) };
  } catch (e) {
    if (e instanceof ParseError) return fail("invalidPath", e.message);
    throw e;
  }
}

/**
 * A PATCH path: `attrPath` or `attr[filter]` with an optional `.sub` after the
 * bracket. Without a filter, any sub-attribute is in `path.sub`; with one, the
 * part after `]` is in `sub`. scimType "invalidPath".
 *
 * @example
 * parsePatchPath('emails[type eq "work"].value')
 * // → { ok: true, value: { path: { attr: "emails" }, filter: {…}, sub: "value" } }
 */
export function parsePatchPath(text: string): Result<{ path: AttrPath; filter?: FilterNode; sub?: string }> {
  if (!text.includes("[")) {
    const r = parseAttrPath(text);
    return r.ok ? { ok: true, value: { path: r.value } } : r;
  }
  return guarded("invalidPath", text, (p) => p.patchPath());
}

function guarded<T>(scimType: string, text: string, run: (p: Parser) => T): Result<T> {
  if (typeof text !== "string" || text.trim() === "") return fail(scimType, "the filter is empty");
  if (text.length > MAX_FILTER_LENGTH) {
    return fail(scimType, `the filter is ${text.length} characters long; at most ${MAX_FILTER_LENGTH} are allowed`);
  }
  try {
    return { ok: true, value: run(new Parser(tokenize(text))) };
  } catch (e) {
    if (e instanceof ParseError) return fail(scimType, e.message);
    throw e;
  }
}

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === " " || c === "\t" || c === "\r" || c === "\n") {
      i++;
    } else if (c === "(" || c === ")" || c === "[" || c === "]") {
      out.push({ t: c, pos: i++ });
    } else if (c === '"') {
      const [value, next] = readString(text, i);
      out.push({ t: "str", pos: i, value });
      i = next;
    } else {
      const start = i;
      while (i < text.length && !DELIMITERS.has(text[i])) i++;
      out.push({ t: "word", pos: start, value: text.slice(start, i) });
    }
  }
  out.push({ t: "end", pos: text.length });
  return out;
}

const ESCAPES: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

/** A JSON string starting at `start` (the opening quote); returns its value and the index after it. */
function readString(text: string, start: number): [string, number] {
  let out = "";
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      // PostgreSQL text cannot hold U+0000 (a query with it fails); nothing stored contains it either.
      if (out.includes("\u0000")) throw new ParseError(`the string starting at position ${start} contains the NUL character (U+0000)`);
      return [out, i + 1];
    }
    if (c !== "\\") {
      out += c;
      i++;
      continue;
    }
    const e = text[i + 1];
    if (e === "u") {
      const hex = text.slice(i + 2, i + 6);
      if (!/^[0-9A-Fa-f]{4}$/.test(hex)) throw new ParseError(`invalid \\u escape at position ${i}`);
      out += String.fromCharCode(parseInt(hex, 16));
      i += 6;
    } else if (e !== undefined && e in ESCAPES) {
      out += ESCAPES[e];
      i += 2;
    } else {
      throw new ParseError(`invalid escape "\\${e ?? ""}" in string at position ${i}`);
    }
  }
  throw new ParseError(`unterminated string starting at position ${start}`);
}

/** Splits `urn:…:attr.sub`; the URN is everything before the last ':' (URNs contain dots, e.g. "2.0"). */
function toAttrPath(text: string, pos: number): AttrPath {
  const colon = text.lastIndexOf(":");
  const uri = colon >= 0 ? text.slice(0, colon) : undefined;
  const rest = text.slice(colon + 1);
  if (uri !== undefined && !/^urn:[^\s]+$/i.test(uri)) {
    throw new ParseError(`invalid attribute path "${text}" at position ${pos}: a schema prefix must be a URN`);
  }
  const parts = rest.split(".");
  if (parts.length > 2 || !NAME.test(parts[0]) || (parts.length === 2 && !SUB_NAME.test(parts[1]))) {
    throw new ParseError(`invalid attribute path "${text}" at position ${pos}`);
  }
  const path: AttrPath = { attr: parts[0] };
  if (uri !== undefined) path.uri = uri;
  if (parts.length === 2) path.sub = parts[1];
  return path;
}

function describe(tok: Token): string {
  if (tok.t === "end") return "the end of the filter";
  if (tok.t === "str") return `the string "${tok.value}" at position ${tok.pos}`;
  if (tok.t === "word") return `"${tok.value}" at position ${tok.pos}`;
  return `"${tok.t}" at position ${tok.pos}`;
}

class Parser {
  private i = 0;
  private depth = 0;
  private comparisons = 0;

  constructor(private readonly toks: Token[]) {}

  private peek(ahead = 0): Token {
    return this.toks[Math.min(this.i + ahead, this.toks.length - 1)];
  }

  private isWord(tok: Token, word: string): boolean {
    return tok.t === "word" && tok.value.toLowerCase() === word;
  }

  private expect(t: Token["t"], what: string): void {
    const tok = this.peek();
    if (tok.t !== t) throw new ParseError(`expected ${what} but found ${describe(tok)}`);
    this.i++;
  }

  expectEnd(): void {
    const tok = this.peek();
    if (tok.t !== "end") throw new ParseError(`expected "and", "or" or the end of the filter but found ${describe(tok)}`);
  }

  private enter(tok: Token): void {
    if (++this.depth > MAX_FILTER_DEPTH) {
      throw new ParseError(`the filter nests deeper than ${MAX_FILTER_DEPTH} levels at position ${tok.pos}`);
    }
  }

  or(inBracket: boolean): FilterNode {
    let left = this.and(inBracket);
    while (this.isWord(this.peek(), "or")) {
      this.i++;
      left = { kind: "or", left, right: this.and(inBracket) };
    }
    return left;
  }

  private and(inBracket: boolean): FilterNode {
    let left = this.unary(inBracket);
    while (this.isWord(this.peek(), "and")) {
      this.i++;
      left = { kind: "and", left, right: this.unary(inBracket) };
    }
    return left;
  }

  private unary(inBracket: boolean): FilterNode {
    const tok = this.peek();
    if (tok.t === "(") {
      this.i++;
      return this.group(tok, inBracket);
    }
    // `not` is a keyword only before "(": an attribute may be called "not".
    if (this.isWord(tok, "not") && this.peek(1).t === "(") {
      this.i += 2;
      return { kind: "not", expr: this.group(tok, inBracket) };
    }
    if (tok.t === "word") return this.attrExpr(inBracket);
    throw new ParseError(`expected an attribute, "(" or "not (" but found ${describe(tok)}`);
  }

  private group(open: Token, inBracket: boolean): FilterNode {
    this.enter(open);
    const node = this.or(inBracket);
    this.expect(")", `")" to close "(" at position ${open.pos}`);
    this.depth--;
    return node;
  }

  private attrExpr(inBracket: boolean): FilterNode {
    const tok = this.peek() as Token & { value: string };
    this.i++;
    const path = toAttrPath(tok.value, tok.pos);
    const open = this.peek();
    if (open.t !== "[") return this.condition(path);
    if (inBracket) throw new ParseError(`value filters cannot nest (position ${open.pos})`);
    if (path.sub !== undefined) throw new ParseError(`"[" must follow an attribute without a sub-attribute (position ${open.pos})`);
    const filter = this.bracket(open);
    const after = this.peek();
    if (after.t === "word" && after.value.startsWith(".")) {
      this.i++;
      const sub = this.subAttr(after);
      return { kind: "valuePath", path, filter: { kind: "and", left: filter, right: this.condition({ attr: sub }) } };
    }
    return { kind: "valuePath", path, filter };
  }

  private bracket(open: Token): FilterNode {
    this.i++;
    this.enter(open);
    const filter = this.or(true);
    this.expect("]", `"]" to close "[" at position ${open.pos}`);
    this.depth--;
    return filter;
  }

  private subAttr(tok: Token & { value: string }): string {
    const sub = tok.value.slice(1);
    if (!SUB_NAME.test(sub)) throw new ParseError(`invalid sub-attribute "${tok.value}" at position ${tok.pos}`);
    return sub;
  }

  private condition(path: AttrPath): FilterNode {
    const tok = this.peek();
    const op = tok.t === "word" ? tok.value.toLowerCase() : "";
    if (op !== "pr" && !OPERATORS.has(op)) {
      throw new ParseError(`expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr) but found ${describe(tok)}`);
    }
    if (++this.comparisons > MAX_FILTER_COMPARISONS) {
      throw new ParseError(`the filter has more than ${MAX_FILTER_COMPARISONS} comparisons (position ${tok.pos})`);
    }
    this.i++;
    if (op === "pr") return { kind: "present", path };
    return { kind: "compare", path, op: op as CompareOp, value: this.literal() };
  }

  private literal(): Literal {
    const tok = this.peek();
    this.i++;
    if (tok.t === "str") return tok.value;
    if (tok.t === "word") {
      const lower = tok.value.toLowerCase();
      if (lower === "true") return true;
      if (lower === "false") return false;
      if (lower === "null") return null;
      if (NUMBER.test(tok.value)) return Number(tok.value);
    }
    throw new ParseError(`expected a value (a "string", a number, true, false or null) but found ${describe(tok)}`);
  }

  /** attrPath, then "[" filter "]" and an optional ".sub", then the end. */
  patchPath(): { path: AttrPath; filter?: FilterNode; sub?: string } {
    const tok = this.peek();
    if (tok.t !== "word") throw new ParseError(`expected an attribute but found ${describe(tok)}`);
    this.i++;
    const path = toAttrPath(tok.value, tok.pos);
    const open = this.peek();
    if (open.t !== "[") throw new ParseError(`expected "[" but found ${describe(open)}`);
    if (path.sub !== undefined) throw new ParseError(`"[" must follow an attribute without a sub-attribute (position ${open.pos})`);
    const filter = this.bracket(open);
    const after = this.peek();
    let sub: string | undefined;
    if (after.t === "word" && after.value.startsWith(".")) {
      this.i++;
      sub = this.subAttr(after);
    }
    const end = this.peek();
    if (end.t !== "end") throw new ParseError(`expected the end of the path but found ${describe(end)}`);
    return sub === undefined ? { path, filter } : { path, filter, sub };
  }
}
