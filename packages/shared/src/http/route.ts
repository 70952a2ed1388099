import type { RequestHandler, Router } from "express";
import { methodNotAllowed } from "./problem.js";

type Method = "get" | "post" | "put" | "patch" | "delete";

/**
 * Registers the handlers of one path, and answers any other method with 405 and `Allow`.
 * Express answers HEAD with the GET handler, so GET routes allow HEAD too. One route (one router
 * layer) per path, not one per method: every request is matched against the layers in turn.
 */
export function route(router: Router, paths: string | string[], handlers: Partial<Record<Method, RequestHandler | RequestHandler[]>>): void {
  const allow: string[] = [];
  const routed = router.route(paths);
  for (const [method, handler] of Object.entries(handlers) as [Method, RequestHandler | RequestHandler[]][]) {
    routed[method](...[handler].flat());
    allow.push(method.toUpperCase());
    if (method === "get") allow.push("HEAD");
  }
  routed.all((req) => {
    throw methodNotAllowed(req.method, allow);
  });
}
