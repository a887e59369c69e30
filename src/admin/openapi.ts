/**
 * The admin API's routes are declared through this registry, so the OpenAPI
 * document at /api/v1/openapi.json is generated from the same list the router
 * uses and cannot drift from it. A route's body and query parameters are zod
 * schemas: the registry checks them before the handler runs (400 naming the
 * field, 415 for a body that is not JSON), hands the handler the typed value,
 * and writes the document's requestBody and parameters from the same schemas.
 */
import type { Request, Response, Router } from "express";
import { z } from "zod";
import { ProblemError } from "./errors.ts";
import { explainIssues, type JsonSchema } from "./input.ts";
import { wordsOfPath } from "./field-words.ts";

export type Method = "get" | "post" | "put" | "patch" | "delete";

/** What the handler gets: the body and query as their schemas' output types. */
export interface RouteInput<B extends z.ZodType, Q extends z.ZodType> {
  body: z.output<B>;
  query: z.output<Q>;
}

export interface RouteSpec<B extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType> {
  method: Method;
  /** express path relative to /api/v1, e.g. "/teams/:teamId" */
  path: string;
  summary: string;
  tag: string;
  /** the JSON request body (an object schema, strict: unknown fields are refused); a missing body counts as {} */
  body?: B;
  /** the query parameters this route reads (an object schema of strings or coerced numbers) */
  query?: Q;
  /** success status (default 200) */
  status?: number;
  // A method (not a property) so a route with a specific schema fits the registry's list.
  handler(req: Request, res: Response, input: RouteInput<B, Q>): unknown;
}

/** The JSON Schema of what a client sends (zod's input side), without the $schema line. */
export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: "input", target: "draft-2020-12" }) as JsonSchema;
  return rest;
}

const unsupported = (got: string) =>
  new ProblemError(415, "Unsupported Media Type", `Send the request's details as JSON (Content-Type: application/json; got ${got}).`);

function hasBody(req: Request): boolean {
  const length = req.get("content-length");
  return req.get("transfer-encoding") !== undefined || (length !== undefined && length !== "0");
}

function readBody(req: Request, schema: z.ZodType, json: JsonSchema): unknown {
  if (hasBody(req) && !req.is("application/json")) throw unsupported(req.get("content-type") ?? "no Content-Type");
  const value: unknown = req.body === undefined ? {} : req.body;
  const out = schema.safeParse(value);
  if (!out.success) { const e = explainIssues(out.error.issues, json, value, "body"); throw new ProblemError(400, "Bad Request", e.detail, e.params); }
  return out.data;
}

function readQuery(req: Request, schema: z.ZodType, json: JsonSchema): unknown {
  const given: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(req.query as Record<string, unknown>)) {
    if (Array.isArray(v)) throw new ProblemError(400, "Bad Request", `Give ${wordsOfPath([k])} only once in the address.`, [{ name: k, reason: "must be given once" }]);
    if (v !== "") given[k] = v; // an empty value means "not given" (a cleared filter in a form)
  }
  const out = schema.safeParse(given);
  if (!out.success) { const e = explainIssues(out.error.issues, json, given, "query"); throw new ProblemError(400, "Bad Request", e.detail, e.params); }
  return out.data;
}

interface Compiled { spec: RouteSpec; body?: JsonSchema; query?: JsonSchema }

export class RouteRegistry {
  readonly routes: RouteSpec[] = [];
  private readonly compiled = new Map<RouteSpec, Compiled>();

  add<B extends z.ZodType = z.ZodNever, Q extends z.ZodType = z.ZodNever>(spec: RouteSpec<B, Q>): this {
    const s = spec as unknown as RouteSpec;
    this.routes.push(s);
    this.compiled.set(s, { spec: s, body: s.body && jsonSchemaOf(s.body), query: s.query && jsonSchemaOf(s.query) });
    return this;
  }

  private compiledOf(r: RouteSpec): Compiled {
    return this.compiled.get(r)!;
  }

  mount(router: Router): void {
    for (const r of this.routes) {
      const c = this.compiledOf(r);
      router[r.method](r.path, (req, res) => {
        const input = {
          body: r.body ? readBody(req, r.body, c.body!) : undefined,
          query: r.query ? readQuery(req, r.query, c.query!) : undefined,
        };
        return r.handler(req, res, input);
      });
    }
  }

  openapi(): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const r of this.routes) {
      const c = this.compiledOf(r);
      const p = r.path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
      const params: Record<string, unknown>[] = [...r.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => ({ name: m[1], in: "path", required: true, schema: { type: "string" } }));
      const required = new Set((c.query?.required as string[] | undefined) ?? []);
      for (const [name, schema] of Object.entries((c.query?.properties as Record<string, JsonSchema> | undefined) ?? {})) {
        const { description, ...rest } = schema;
        params.push({ name, in: "query", required: required.has(name), ...(description ? { description } : {}), schema: rest });
      }
      paths[p] ??= {};
      paths[p][r.method] = {
        summary: r.summary,
        tags: [r.tag],
        ...(params.length ? { parameters: params } : {}),
        ...(c.body ? { requestBody: { required: ((c.body.required as string[] | undefined) ?? []).length > 0, content: { "application/json": { schema: c.body } } } } : {}),
        responses: {
          [String(r.status ?? 200)]: { description: "success" },
          ...(c.body ? { 415: { description: "the body is not JSON (Content-Type must be application/json)", content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } } } } : {}),
          default: { description: "error", content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } } },
        },
      };
    }
    return {
      openapi: "3.1.0",
      info: { title: "Rollcall admin API", version: "1" },
      servers: [{ url: "/api/v1" }],
      components: {
        securitySchemes: { bearer: { type: "http", scheme: "bearer" }, session: { type: "apiKey", in: "cookie", name: "rollcall.sid", description: "signed-in session; state-changing calls also need the X-Rollcall-CSRF header (csrfToken from GET /me)" } },
        schemas: { Problem: { type: "object", properties: { type: { type: "string" }, title: { type: "string" }, status: { type: "integer" }, detail: { type: "string" } } } },
      },
      security: [{ bearer: [] }, { session: [] }],
      paths,
    };
  }
}
