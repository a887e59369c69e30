/**
 * The admin API's routes are declared through this registry, so the OpenAPI
 * document at /api/v1/openapi.json is generated from the same list the router
 * uses and cannot drift from it.
 */
import type { Request, Response, Router } from "express";

export type Method = "get" | "post" | "put" | "patch" | "delete";

export interface RouteSpec {
  method: Method;
  /** express path relative to /api/v1, e.g. "/teams/:teamId" */
  path: string;
  summary: string;
  tag: string;
  /** JSON schema of the request body, if any */
  body?: Record<string, unknown>;
  /** success status (default 200) */
  status?: number;
  handler: (req: Request, res: Response) => unknown | Promise<unknown>;
}

export class RouteRegistry {
  readonly routes: RouteSpec[] = [];

  add(spec: RouteSpec): this {
    this.routes.push(spec);
    return this;
  }

  mount(router: Router): void {
    for (const r of this.routes) router[r.method](r.path, r.handler);
  }

  openapi(): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const r of this.routes) {
      const p = r.path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
      const params = [...r.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => ({ name: m[1], in: "path", required: true, schema: { type: "string" } }));
      paths[p] ??= {};
      paths[p][r.method] = {
        summary: r.summary,
        tags: [r.tag],
        ...(params.length ? { parameters: params } : {}),
        ...(r.body ? { requestBody: { required: true, content: { "application/json": { schema: r.body } } } } : {}),
        responses: {
          [String(r.status ?? 200)]: { description: "success" },
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
