import { createRequire } from "node:module";
import { dirname } from "node:path";
import express, { type Router } from "express";
import { z } from "zod";
import { route } from "./route.js";

/** RFC 9457 problem details, as every error of every Tally API is answered. */
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: "Problem" });

interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  example?: unknown;
}

/** One operation, described by the same zod schemas that validate its input. */
export interface OperationSpec {
  method: "get" | "post";
  /** Express-style path: `/v1/products/:id`. */
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  query?: z.ZodType;
  params?: Record<string, { description: string; schema: z.ZodType }>;
  /** Request headers the operation reads, each optional. */
  headers?: Record<string, { description: string; schema: z.ZodType }>;
  body?: { schema: z.ZodType; contentTypes: string[]; example: unknown; description?: string };
  responses: Record<number, ResponseSpec>;
}

const jsonSchema = (schema: z.ZodType) => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return rest;
};

/** `/v1/products/:id` → `/v1/products/{id}`. */
export const openApiPath = (path: string) => path.replaceAll(/:(\w+)/g, "{$1}");

function queryParameters(query: z.ZodType) {
  const schema = jsonSchema(query) as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  return Object.entries(schema.properties ?? {}).map(([name, property]) => ({
    name,
    in: "query",
    required: schema.required?.includes(name) ?? false,
    ...(typeof property.description === "string" ? { description: property.description } : {}),
    schema: property,
  }));
}

function operation(spec: OperationSpec) {
  const parameters = [
    ...Object.entries(spec.params ?? {}).map(([name, p]) => ({ name, in: "path", required: true, description: p.description, schema: jsonSchema(p.schema) })),
    ...Object.entries(spec.headers ?? {}).map(([name, p]) => ({ name, in: "header", required: false, description: p.description, schema: jsonSchema(p.schema) })),
    ...(spec.query ? queryParameters(spec.query) : []),
  ];
  const responses = Object.fromEntries(
    Object.entries(spec.responses).map(([status, r]) => {
      const problem = Number(status) >= 400;
      const schema = r.schema ?? (problem ? problemSchema : undefined);
      const media = problem ? "application/problem+json" : "application/json";
      return [status, { description: r.description, ...(schema ? { content: { [media]: { schema: jsonSchema(schema), ...(r.example !== undefined ? { example: r.example } : {}) } } } : {}) }];
    }),
  );
  return {
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    tags: spec.tags,
    ...(parameters.length ? { parameters } : {}),
    ...(spec.body
      ? {
          requestBody: {
            required: true,
            ...(spec.body.description ? { description: spec.body.description } : {}),
            content: Object.fromEntries(spec.body.contentTypes.map((type) => [type, { schema: jsonSchema(spec.body!.schema), example: spec.body!.example }])),
          },
        }
      : {}),
    responses,
  };
}

/** The routes createHttpApp gives every Tally API besides its own. */
export const commonOperations: readonly OperationSpec[] = [
  { method: "get", path: "/healthz", tags: ["operations"], summary: "The process is alive", responses: { 200: { description: "Alive" } } },
  {
    method: "get",
    path: "/readyz",
    tags: ["operations"],
    summary: "Whether its dependencies answer, each named",
    responses: { 200: { description: "Ready" }, 503: { description: "A dependency is down" } },
  },
  { method: "get", path: "/metrics", tags: ["operations"], summary: "Prometheus metrics", responses: { 200: { description: "Prometheus text" } } },
  { method: "get", path: "/openapi.json", tags: ["operations"], summary: "This document", responses: { 200: { description: "OpenAPI 3.1" } } },
  { method: "get", path: "/docs", tags: ["operations"], summary: "This document, to read", responses: { 200: { description: "HTML" } } },
];

/** An OpenAPI 3.1 document for the app's operations and the common ones, every schema derived from zod. */
export function buildOpenApi(info: { title: string; version: string; description: string }, operations: readonly OperationSpec[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of [...operations, ...commonOperations]) (paths[openApiPath(spec.path)] ??= {})[spec.method] = operation(spec);
  return {
    openapi: "3.1.0",
    info,
    components: { securitySchemes: { apiKey: { type: "http", scheme: "bearer", description: "Needed only where API keys are configured" } } },
    security: [{}, { apiKey: [] }],
    paths,
  };
}

// Relative URLs, so the page works under a gateway's prefix too: /ingest/docs loads /ingest/openapi.json.
const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tally API</title>
<link rel="stylesheet" href="docs/assets/swagger-ui.css"></head>
<body><div id="docs"></div>
<script src="docs/assets/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({ url: "openapi.json", dom_id: "#docs" });</script></body></html>`;

/** Serves the document at `/openapi.json` and a Swagger UI page at `/docs`, all from local files. */
export function docsRoutes(router: Router, document: unknown): void {
  route(router, "/openapi.json", { get: (_req, res) => void res.json(document) });
  route(router, "/docs", { get: (_req, res) => void res.type("html").send(DOCS_PAGE) });
  // swagger-ui-dist ships the page's assets as plain files: served from node_modules, no CDN at run time.
  const assets = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist"));
  router.use("/docs/assets", express.static(assets, { index: false }));
}
