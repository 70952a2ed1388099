import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Database } from "@tally/shared/db";
import { HttpError, route, sendExactJson } from "@tally/shared/http";
import express, { type Router } from "express";
import type { Kysely } from "kysely";
import { cachedDashboardSummary } from "./dashboard-summary.js";
import { DASHBOARD_ASSETS_DIR, DASHBOARD_CSP, DASHBOARD_PAGE } from "./dashboard-page.js";

/** The page refreshes every 5 s; one summary per 5 s serves every open page. */
const SUMMARY_TTL_MS = 5000;

/**
 * `GET /dashboard` and `/dashboard/assets/*`: markup, script and style only, no data, so they stay
 * open where API keys are set (a browser cannot send a bearer key when it navigates); the page asks
 * for a key when the JSON routes answer 401.
 */
export function dashboardPageRoutes(router: Router): void {
  route(router, "/dashboard", {
    get: (_req, res) => {
      if (!existsSync(join(DASHBOARD_ASSETS_DIR, "dashboard.js"))) {
        throw new HttpError(503, "Dashboard not built", "the dashboard's script is missing: run `pnpm --filter @tally/query-api build`");
      }
      res.setHeader("Content-Security-Policy", DASHBOARD_CSP);
      res.setHeader("Cache-Control", "no-cache");
      res.type("html").send(DASHBOARD_PAGE);
    },
  });
  router.use("/dashboard/assets", express.static(DASHBOARD_ASSETS_DIR, { index: false, setHeaders: (res) => res.setHeader("Cache-Control", "no-cache") }));
}

/** `GET /v1/dashboard/summary`: throughput and queue lag, read from Postgres like every other answer. */
export function dashboardRoutes(router: Router, db: Kysely<Database>, clock: () => number): void {
  const summary = cachedDashboardSummary(db, clock, SUMMARY_TTL_MS);
  route(router, "/v1/dashboard/summary", {
    get: async (_req, res) => {
      sendExactJson(res, await summary());
    },
  });
}
