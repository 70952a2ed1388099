import express, { type Router } from "express";
import { z } from "zod";
import { API_KEY_REQUIRED } from "./api-keys.js";
import { convertSchemas } from "./openapi-schemas.js";
import { unauthorized } from "./problem.js";
import { route } from "./route.js";

/** RFC 9457 problem details, as every error of every Tally API is answered; some carry extension members (§3.2). */
export const problemSchema = z
  .looseObject({
    type: z.string(),
    title: z.string(),
    status: z.int().min(100).max(599),
    detail: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: "Problem" });

interface ParameterSpec {
  description: string;
  schema: z.ZodType;
}

export interface ResponseSpec {
  description: string;
  /** The body's schema. A 4xx or 5xx without one answers a problem (`application/problem+json`). */
  schema?: z.ZodType;
  /** The body's media type when it is not JSON: `text/html`. */
  mediaType?: string;
  /** A body as the API answers it; for a problem, a real one: `validationFailed([…]).toProblem()`. */
  example?: unknown;
  headers?: Record<string, ParameterSpec>;
}

/** One operation, described by the same zod schemas that validate its input. */
export interface OperationSpec {
  method: "get" | "post";
  /** Express-style path: `/v1/products/:id`. */
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  /** Served without an API key even where keys are set (health, docs, pages that hold no data). */
  open?: boolean;
  query?: z.ZodType;
  params?: Record<string, ParameterSpec>;
  /** Request headers the operation reads, each optional. */
  headers?: Record<string, ParameterSpec>;
  body?: { schema: z.ZodType; contentTypes: string[]; example: unknown; description?: string };
  responses: Record<number, ResponseSpec>;
}

const retryAfter = { "Retry-After": { description: "Seconds to wait before trying again", schema: z.string().regex(/^\d+$/) } };
/** Answers that always say when to come back (a 409 of an Idempotency-Key in flight, load shedding, an outage). */
const RETRY_STATUSES = new Set([409, 429, 503]);

/** Every operation but the open ones answers 401 where API keys are set. */
const unauthorizedResponse: ResponseSpec = {
  description: "Only where API keys are set (INGEST_API_KEYS / QUERY_API_KEYS): no key, or not a valid one",
  example: unauthorized(API_KEY_REQUIRED).toProblem(),
  headers: { "WWW-Authenticate": { description: "`Bearer realm=\"tally\"`", schema: z.string() } },
};

/** `/v1/products/:id` → `/v1/products/{id}`. */
export const openApiPath = (path: string) => path.replaceAll(/:(\w+)/g, "{$1}");

/** `post /v1/products/:id` → `postV1ProductsById`: unique per route, stable, and a valid identifier. */
const operationId = (spec: OperationSpec) =>
  spec.method +
  spec.path
    .split("/")
    .map((segment) => (segment.startsWith(":") ? `By-${segment.slice(1)}` : segment))
    .flatMap((segment) => segment.split(/[^A-Za-z0-9]+/))
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("");

/** The responses an operation has, the 401 of API keys included. */
const responsesOf = (spec: OperationSpec): [number, ResponseSpec][] =>
  Object.entries({ ...(spec.open ? {} : { 401: unauthorizedResponse }), ...spec.responses })
    .map(([status, r]) => [Number(status), r] as [number, ResponseSpec])
    .sort(([a], [b]) => a - b);

const isProblem = (status: number, r: ResponseSpec) => r.schema === problemSchema || (r.schema === undefined && status >= 400);

/** Every zod schema an operation's description is made of. */
function* schemasOf(spec: OperationSpec): Generator<z.ZodType> {
  if (spec.query) yield spec.query;
  for (const p of [...Object.values(spec.params ?? {}), ...Object.values(spec.headers ?? {})]) yield p.schema;
  if (spec.body) yield spec.body.schema;
  for (const [status, r] of responsesOf(spec)) {
    if (isProblem(status, r)) yield problemSchema;
    else if (r.schema) yield r.schema;
    for (const h of Object.values(r.headers ?? {})) yield h.schema;
    if (RETRY_STATUSES.has(status)) yield retryAfter["Retry-After"].schema;
  }
}

type Converted = ReturnType<typeof convertSchemas>;

function queryParameters(query: z.ZodType, schemas: Converted) {
  const schema = schemas.of(query) as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  return Object.entries(schema.properties ?? {}).map(([name, property]) => ({
    name,
    in: "query",
    required: schema.required?.includes(name) ?? false,
    ...(typeof property.description === "string" ? { description: property.description } : {}),
    schema: property,
  }));
}

function response(status: number, r: ResponseSpec, schemas: Converted) {
  const problem = isProblem(status, r);
  const schema = problem ? problemSchema : r.schema;
  const media = problem ? "application/problem+json" : (r.mediaType ?? "application/json");
  const headers = { ...(RETRY_STATUSES.has(status) ? retryAfter : {}), ...r.headers };
  return {
    description: r.description,
    ...(Object.keys(headers).length ? { headers: Object.fromEntries(Object.entries(headers).map(([name, h]) => [name, { description: h.description, schema: schemas.of(h.schema) }])) } : {}),
    ...(schema ? { content: { [media]: { schema: schemas.of(schema), ...(r.example !== undefined ? { example: r.example } : {}) } } } : {}),
  };
}

function operation(spec: OperationSpec, schemas: Converted) {
  const parameters = [
    ...Object.entries(spec.params ?? {}).map(([name, p]) => ({ name, in: "path", required: true, description: p.description, schema: schemas.of(p.schema) })),
    ...Object.entries(spec.headers ?? {}).map(([name, p]) => ({ name, in: "header", required: false, description: p.description, schema: schemas.of(p.schema) })),
    ...(spec.query ? queryParameters(spec.query, schemas) : []),
  ];
  const body = spec.body;
  return {
    operationId: operationId(spec),
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    tags: spec.tags,
    ...(spec.open ? { security: [] } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(body
      ? {
          requestBody: {
            required: true,
            ...(body.description ? { description: body.description } : {}),
            content: Object.fromEntries(body.contentTypes.map((type) => [type, { schema: schemas.of(body.schema), example: body.example }])),
          },
        }
      : {}),
    responses: Object.fromEntries(responsesOf(spec).map(([status, r]) => [String(status), response(status, r, schemas)])),
  };
}

const readiness = z.object({ status: z.enum(["ready", "not ready", "stopping"]), checks: z.record(z.string(), z.enum(["up", "down"])) });

/** The routes createHttpApp gives every Tally API besides its own. */
export const commonOperations: readonly OperationSpec[] = [
  {
    method: "get",
    path: "/healthz",
    tags: ["operations"],
    open: true,
    summary: "The process is alive",
    responses: { 200: { description: "Alive", schema: z.object({ status: z.literal("ok") }), example: { status: "ok" } } },
  },
  {
    method: "get",
    path: "/readyz",
    tags: ["operations"],
    open: true,
    summary: "Whether its dependencies answer, each named",
    responses: {
      200: { description: "Ready", schema: readiness, example: { status: "ready", checks: { redis: "up" } } },
      503: { description: "A dependency is down, or the process is stopping", schema: readiness, example: { status: "not ready", checks: { redis: "down" } } },
    },
  },
  {
    method: "get",
    path: "/metrics",
    tags: ["operations"],
    open: true,
    summary: "Prometheus metrics",
    responses: { 200: { description: "Prometheus text", schema: z.string(), mediaType: "text/plain" } },
  },
  {
    method: "get",
    path: "/openapi.json",
    tags: ["operations"],
    open: true,
    summary: "This document",
    responses: { 200: { description: "OpenAPI 3.1", schema: z.looseObject({ openapi: z.string() }) } },
  },
  {
    method: "get",
    path: "/docs",
    tags: ["operations"],
    open: true,
    summary: "This document, to read and try",
    responses: { 200: { description: "HTML", schema: z.string(), mediaType: "text/html" } },
  },
];

/** An OpenAPI 3.1 document for the app's operations and the common ones, every schema derived from zod. */
export function buildOpenApi(info: { title: string; version: string; description: string }, operations: readonly OperationSpec[]) {
  const all = [...operations, ...commonOperations];
  const schemas = convertSchemas(all.flatMap((spec) => [...schemasOf(spec)]));
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of all) (paths[openApiPath(spec.path)] ??= {})[spec.method] = operation(spec, schemas);
  return {
    openapi: "3.1.0",
    info,
    // Without API keys every route is open; with them, every route but the `open` ones needs one.
    security: [{}, { apiKey: [] }],
    paths,
    components: {
      schemas: schemas.components,
      securitySchemes: { apiKey: { type: "http", scheme: "bearer", description: "Needed only where API keys are configured" } },
    },
  };
}

/**
 * Every response of these operations, with the schema its body must satisfy (a problem's: Problem)
 * and its example, for tests: `GET /v1/flows 422`.
 */
export function documentedResponses(operations: readonly OperationSpec[]) {
  return operations.flatMap((spec) =>
    responsesOf(spec).map(([status, r]) => {
      const problem = isProblem(status, r);
      return { name: `${spec.method.toUpperCase()} ${spec.path} ${status}`, status, problem, schema: problem ? problemSchema : r.schema, example: r.example };
    }),
  );
}

// Relative URLs, so the page works under a gateway's prefix too: /ingest/docs loads /ingest/openapi.json.
const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tally API</title>
<link rel="icon" type="image/png" href="docs/assets/favicon-32x32.png">
<link rel="stylesheet" href="docs/assets/swagger-ui.css"></head>
<body><div id="docs"></div>
<script src="docs/assets/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({ url: "openapi.json", dom_id: "#docs" });</script></body></html>`;

/** An API's document, and where the files of the Swagger UI page that renders it are. */
export interface Docs {
  document: unknown;
  /** The directory of swagger-ui-dist, whose files are served as they are: no CDN at run time. */
  swaggerUiAssets: string;
}

/** Serves the document at `/openapi.json` and a Swagger UI page at `/docs`, all from local files. */
export function docsRoutes(router: Router, { document, swaggerUiAssets }: Docs): void {
  route(router, "/openapi.json", { get: (_req, res) => void res.json(document) });
  route(router, "/docs", {
    get: (req, res) => {
      // Express matches /docs/ too, where the page's relative URLs would resolve under /docs/docs/.
      // A relative redirect keeps a gateway's prefix: /ingest/docs/ → /ingest/docs.
      if (req.path.endsWith("/")) return res.redirect(301, "../docs");
      res.type("html").send(DOCS_PAGE);
    },
  });
  router.use("/docs/assets", express.static(swaggerUiAssets, { index: false }));
}
