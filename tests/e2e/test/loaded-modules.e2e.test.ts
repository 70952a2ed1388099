import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startSystem, type System } from "@tally/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * What each API process really loads, recorded by a preloaded hook while every GET route of the query
 * API is asked once. The query API reads Postgres, and Redis only to look up a pending products upload
 * (ioredis, one HGET); BullMQ in it would be a process that can move jobs, and a sign the layering (pnpm
 * lint's depcruise) has a hole.
 * The ingest API, which does use the queues, shows the recording sees them.
 */

const RECORDER = fileURLToPath(new URL("./support/record-loaded-modules.mjs", import.meta.url));
const QUEUE_CODE = /\/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?(bullmq|ioredis)\//;

let dir: string;
let system: System;
let loaded: Record<"ingest-api" | "query-api", string[]>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "tally-loaded-"));
  system = await startSystem({ env: { NODE_OPTIONS: `--import ${RECORDER}`, TALLY_LOADED_MODULES_DIR: dir } });
  // Every GET route of the document once (ids and hours made up: a 404 or 422 has loaded the route too),
  // and the dashboard's page and data.
  const document = (await system.getJson<{ paths: Record<string, Record<string, unknown>> }>("/openapi.json")).paths;
  const paths = Object.entries(document)
    .filter(([, operations]) => "get" in operations)
    .map(([path]) => path.replaceAll(/\{[^}]+\}/g, "1"));
  for (const path of [...paths, "/v1/stats/messages?from=2026-01-01&to=2026-01-02", "/v1/flows?hour=1", "/dashboard"]) await system.get(path);
  for (const app of system.apps) expect(await app.stop("SIGTERM")).toBe(0);
  loaded = {
    "ingest-api": JSON.parse(readFileSync(join(dir, "ingest-api.json"), "utf8")) as string[],
    "query-api": JSON.parse(readFileSync(join(dir, "query-api.json"), "utf8")) as string[],
  };
}, 60_000);

afterAll(async () => {
  await system?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const packagesIn = (modules: string[], pattern: RegExp) => [...new Set(modules.map((m) => pattern.exec(m)?.[1]).filter(Boolean))].sort();

describe("the modules each API process loads", () => {
  it("the query API, having answered every route: kysely, pg and express, ioredis for pending uploads, and no BullMQ", () => {
    expect(packagesIn(loaded["query-api"], /\/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?(kysely|pg|express)\//)).toEqual(["express", "kysely", "pg"]);
    expect(packagesIn(loaded["query-api"], QUEUE_CODE)).toEqual(["ioredis"]);
  });

  it("the ingest API: BullMQ and ioredis, as it should (the recording sees them when they load)", () => {
    expect(packagesIn(loaded["ingest-api"], QUEUE_CODE)).toEqual(["bullmq", "ioredis"]);
  });
});
