import express, { type ErrorRequestHandler, type Express, type Request, type Response, type Router } from "express";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { requireApiKey } from "./api-keys.js";
import { docsRoutes, type Docs } from "./openapi.js";
import { isCancelledStatement, isRetryableDbError } from "../db/errors.js";
import { HttpError, notFound, serviceUnavailable } from "./problem.js";
import { requestLog } from "./request-log.js";
import { route } from "./route.js";
import { notFoundDetail, type OtherApi } from "./route-hints.js";

export interface HttpAppOptions {
  logger: Logger;
  registry: Registry;
  /** What `/readyz` checks: each named dependency resolves when it answers, rejects when it does not. */
  readiness: Record<string, () => Promise<unknown>>;
  /** Registers the app's own routes. */
  routes: (router: Router) => void;
  /** Registers the app's routes that need no API key even when keys are set (pages that hold no data). */
  publicRoutes?: (router: Router) => void;
  /** Bearer keys required for every route but health, metrics and docs; none means open. */
  apiKeys?: readonly string[];
  /** The app's OpenAPI document, served at /openapi.json and rendered at /docs; none for the worker. */
  docs?: Docs;
  /** True once the process is shutting down: `/readyz` then answers 503 whatever its dependencies say. */
  stopping?: () => boolean;
  /** The other API: a 404 for one of its routes says where to send it. */
  otherApi?: OtherApi;
  /** Called once each request's answer has been sent (the app's own metrics). */
  onAnswered?: (req: Request, res: Response) => void;
}

const READINESS_TIMEOUT_MS = 1000;

/**
 * The express app every Tally API shares: request ids, request logs, metrics, health routes,
 * problem+json errors, 404 and 405. Builds only: no port, no connection of its own.
 */
export function createHttpApp({ logger, registry, readiness, routes, publicRoutes, apiKeys = [], docs, stopping = () => false, otherApi, onAnswered }: HttpAppOptions): Express {
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");

  app.use(requestLog({ logger, registry, stopping, onAnswered }));

  // Routes go on the app's own router: a router mounted in it would cost every request a second dispatch.
  const router: Router = app;
  route(router, "/healthz", { get: (_req, res) => void res.json({ status: "ok" }) });
  route(router, "/readyz", {
    get: async (_req, res) => {
      const checks = await checkAll(readiness);
      const ready = !stopping() && Object.values(checks).every((s) => s === "up");
      if (!ready) res.setHeader("Retry-After", "5");
      res.status(ready ? 200 : 503).json({ status: stopping() ? "stopping" : ready ? "ready" : "not ready", checks });
    },
  });
  route(router, "/metrics", {
    get: async (_req, res) => {
      res.type(registry.contentType).send(await registry.metrics());
    },
  });
  if (docs) docsRoutes(router, docs);
  publicRoutes?.(router);
  // Health, metrics and docs stay open for probes and scrapers; every route after this needs a key, if any are set.
  if (apiKeys.length > 0) router.use(requireApiKey(apiKeys));
  routes(router);

  app.use((req) => {
    throw notFound(notFoundDetail(req.method, req.path, otherApi));
  });
  app.use(problemHandler);
  return app;
}

async function checkAll(readiness: HttpAppOptions["readiness"]): Promise<Record<string, "up" | "down">> {
  const entries = await Promise.all(
    Object.entries(readiness).map(async ([name, check]) => {
      const up = await withTimeout(check(), READINESS_TIMEOUT_MS).then(
        () => true,
        () => false,
      );
      return [name, up ? "up" : "down"] as const;
    }),
  );
  return Object.fromEntries(entries);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Maps body-parser's errors (they carry a `type`) to the answers SPEC §2 names, and any other client
 * error express raises (a path whose percent-encoding is broken, say) to its own status.
 */
function fromExpress(error: { type?: unknown; limit?: unknown; status?: unknown; message?: unknown }): HttpError | undefined {
  switch (error.type) {
    case "entity.too.large":
      return new HttpError(413, "Payload too large", `the body is over the limit of ${String(error.limit)} bytes`);
    case "request.aborted":
    case "request.size.invalid":
      return new HttpError(400, "Incomplete body", "the body ended before its declared length");
    case "encoding.unsupported":
    case "charset.unsupported":
      return new HttpError(415, "Unsupported media type", "the body's encoding or charset is not supported");
    case "entity.parse.failed":
      return new HttpError(400, "Malformed JSON", "the body is not valid JSON");
  }
  if (typeof error.status === "number" && error.status >= 400 && error.status < 500) {
    return new HttpError(error.status, "Bad request", String(error.message));
  }
  return undefined;
}

/** How long an answered request's unread body is read and thrown away before its connection is cut. */
const LINGER_MS = 5000;

/**
 * An answer sent before the request's body was read whole (413, 422 after a hundred errors, 408): if
 * the connection closed as soon as the answer was written, the client would still be sending, the
 * kernel would reset the connection for the unread bytes, and the client could lose the answer itself
 * (seen with a 300 KB 422). So what is left of the body is read and dropped for a few seconds, then the
 * connection is cut if the body still has not ended.
 */
function lingerForTheRest(req: Request, res: Response): void {
  res.once("finish", () => {
    if (req.complete) return;
    const timer = setTimeout(() => req.socket.destroy(), LINGER_MS);
    timer.unref();
    req.once("end", () => clearTimeout(timer));
    req.once("close", () => clearTimeout(timer));
    // Not resume(): a route's abandoned async iterator may still listen for "readable", which wins.
    req.on("readable", () => {
      while (req.read() !== null);
    });
    while (req.read() !== null);
  });
}

/** A statement past the query API's QUERY_STATEMENT_TIMEOUT_MS: the same request will cost the same again. */
export const STATEMENT_CANCELLED =
  "the database stopped the query: it ran past the time limit for one statement; ask for less (a shorter interval, one customer, a wider window)";

const problemHandler: ErrorRequestHandler = (error, req, res, next) => {
  if (res.headersSent) return next(error);
  const known =
    error instanceof HttpError
      ? error
      : isRetryableDbError(error)
        ? serviceUnavailable("the database is not reachable right now; try again")
        : isCancelledStatement(error)
          ? serviceUnavailable(STATEMENT_CANCELLED)
          : fromExpress(error ?? {});
  const problem = known ?? new HttpError(500, "Internal server error", `unexpected error; request id ${String(req.id)}`);
  if (!known) req.log.error({ err: error }, "unhandled error");
  for (const [name, value] of Object.entries(problem.extra.headers ?? {})) res.setHeader(name, value);
  if (!req.complete) lingerForTheRest(req, res);
  res.status(problem.status).type("application/problem+json").send(JSON.stringify(problem.toProblem()));
};
