import { createDb, type Database } from "@tally/shared/db";
import { createMetricsRegistry } from "@tally/shared/http";
import { createLogger } from "@tally/shared/logger";
import { expectProblem, freePort, listen } from "@tally/testing";
import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/app.js";

let db: Kysely<Database>;
let server: Awaited<ReturnType<typeof listen>>;

beforeAll(async () => {
  // A port nothing listens on: Postgres is away.
  db = createDb(`postgres://postgres@127.0.0.1:${await freePort()}/tally`, { readOnly: true });
  server = await listen(createApp({ db, logger: createLogger("query-api", "silent"), registry: createMetricsRegistry("query-api"), clock: Date.now }));
});
afterAll(async () => {
  await server.close();
  await db.destroy();
});

describe("while Postgres is unreachable", () => {
  it.each(["/v1/stats/messages?from=2026-11-23&to=2026-11-24", "/v1/stats/domains/top?window=hour", "/v1/flows?hour=1", "/v1/products/1", "/stats/minutes"])(
    "answers %s with 503 and Retry-After, not a 500",
    async (path) => {
      const res = await fetch(`${server.url}${path}`);
      await expectProblem(res, 503);
      expect(res.headers.get("retry-after")).toBe("5");
    },
  );

  it("says in readyz that Postgres is down", async () => {
    const res = await fetch(`${server.url}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: "not ready", checks: { postgres: "down" } });
  });
});
