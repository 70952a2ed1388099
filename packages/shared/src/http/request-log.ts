import { randomUUID } from "node:crypto";
import type { Request, RequestHandler, Response } from "express";
import type { Logger } from "pino";
import { Histogram, type Registry } from "prom-client";

declare module "node:http" {
  interface IncomingMessage {
    /** The request's id: the client's `X-Request-Id` if it is a sane one, else a new UUID. */
    id: string;
    /** The process logger with the request's id bound: every line about the request carries it. */
    log: Logger;
  }
}

const CLIENT_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;
/** Probes and scrapers ask these every few seconds: their answers are counted, not logged. */
const QUIET_PATHS = new Set(["/healthz", "/metrics"]);

export interface RequestLogOptions {
  logger: Logger;
  registry: Registry;
  /** True once the process is shutting down: every answer then closes its connection. */
  stopping: () => boolean;
  /** Called once a request's answer has been sent, with the route known: an app's own counts. */
  onAnswered?: (req: Request, res: Response) => void;
}

/**
 * What every request gets before its route: an id (echoed in `X-Request-Id`), a logger bound to it,
 * one log line and one duration observation when it is answered, and `Connection: close` while the
 * process stops. One middleware and one `close` listener, because this runs for every request: the
 * line is built only if its level is enabled (pino-http serialised every request, headers and
 * redaction included, whatever the level), and no header is logged, so no credential can be.
 */
export function requestLog({ logger, registry, stopping, onAnswered }: RequestLogOptions): RequestHandler {
  const durations = new Histogram({
    name: "http_request_duration_seconds",
    help: "HTTP request duration by method, route and status",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  // Each (method, route, status) series, looked up once: observing through the labels object hashes it on every call.
  const series = new Map<string, Histogram.Internal<"method" | "route" | "status">>();
  const observe = (method: string, route: string, status: string, seconds: number) => {
    const key = `${method} ${route} ${status}`;
    let child = series.get(key);
    if (!child) series.set(key, (child = durations.labels(method, route, status)));
    child.observe(seconds);
  };
  return (req, res, next) => {
    const started = performance.now();
    const given = req.headers["x-request-id"];
    const id = typeof given === "string" && CLIENT_REQUEST_ID.test(given) ? given : randomUUID();
    req.id = id;
    req.log = logger.child({ reqId: id });
    res.setHeader("X-Request-Id", id);
    if (stopping()) res.setHeader("Connection", "close");
    // "close" comes after "finish", and also when the connection ends before the answer did.
    res.once("close", () => {
      const ms = performance.now() - started;
      const routePath: unknown = req.route?.path;
      const route = typeof routePath === "string" ? `${req.baseUrl}${routePath}` : "unmatched";
      const answered = res.writableFinished;
      const status = res.statusCode;
      observe(req.method, route, answered ? String(status) : "aborted", ms / 1000);
      if (answered) onAnswered?.(req, res);
      const level = status >= 500 ? "error" : "info";
      if (QUIET_PATHS.has(req.path) || !req.log.isLevelEnabled(level)) return;
      const line = { method: req.method, url: req.originalUrl, status, ms: Math.round(ms * 10) / 10 };
      req.log[level](line, answered ? "request completed" : "request aborted before its answer was sent");
    });
    next();
  };
}
