export { createHttpApp, type HttpAppOptions } from "./create-http-app.js";
export { createHttpServer } from "./http-server.js";
export { createMetricsRegistry } from "./metrics.js";
export * from "./problem.js";
export { route } from "./route.js";
export { formatPath, parseOrThrow, toFieldErrors } from "./validation.js";
export type { Registry } from "prom-client";
export { buildOpenApi, commonOperations, docsRoutes, openApiPath, problemSchema, type OperationSpec } from "./openapi.js";
export { listRoutes } from "./list-routes.js";
