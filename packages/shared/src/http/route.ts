import type { RequestHandler, Router } from "express";
import { methodNotAllowed } from "./problem.js";

type Method = "get" | "post" | "put" | "patch" | "delete";

/**
 * Registers the handlers of one path, and answers any other method with 405 and `Allow`.
 * Express answers HEAD with the GET handler, so GET routes allow HEAD too.
 */
export function route(router: Router, paths: string | string[], handlers: Partial<Record<Method, RequestHandler | RequestHandler[]>>): void {
  const allow: string[] = [];
  for (const [method, handler] of Object.entries(handlers) as [Method, RequestHandler | RequestHandler[]][]) {
    router[method](paths, ...[handler].flat());
    allow.push(method.toUpperCase());
    if (method === "get") allow.push("HEAD");
  }
  router.all(paths, (req) => {
    throw methodNotAllowed(req.method, allow);
  });
}
