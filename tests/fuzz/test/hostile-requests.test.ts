import { startSystem, type System } from "@tally/testing";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAcceptance } from "./support/acceptance.js";
import { keepAppErrors } from "./support/app-errors.js";
import { counterItems, unstorableCounter, validCounter } from "./support/arbitraries/counters.js";
import { JSON_TYPES } from "./support/arbitraries/envelopes.js";
import { flowItems, unstorableFlow, validFlow } from "./support/arbitraries/flows.js";
import { hostileJsonBodies } from "./support/arbitraries/json-bodies.js";
import { messageItems, unstorableMessage, validMessage } from "./support/arbitraries/messages.js";
import { acceptableProduct, hostileProductBodies } from "./support/arbitraries/products.js";
import { flowsQueries, messagesStatsQueries, productQueries, seedStatsQueries, topDomainsQueries } from "./support/arbitraries/queries.js";
import { unknownRoutesAndMethods } from "./support/arbitraries/routes.js";
import { runHostile, type Harness } from "./support/campaign.js";
import { HttpClient } from "./support/http-client.js";
import { jsonText, type Entries } from "./support/json-text.js";
import { requestCase } from "./support/request-case.js";
import { violations } from "./support/response-checks.js";
import { bodyTemplate, countersRoundTrip, flowsRoundTrip, messagesRoundTrip, productsRoundTrip } from "./support/round-trips.js";
import { differences, SideEffects } from "./support/side-effects.js";
import { Tally } from "./support/tally.js";

/**
 * Property-based fuzzing of the whole system (README "Routes", SPEC §2–§6) with fast-check, against the built
 * apps as processes: tens of thousands of malformed and hostile requests, each generated so that the contract
 * says exactly how it must be answered. Every answer must be a non-5xx problem+json without a stack trace;
 * every rejected ingest request must leave every queue, table and dedup window as it was; valid requests must
 * be accepted and read back exactly. A failing case is replayed alone through fc.check and shrunk.
 * TEST_FUZZ_SEED replays a run, TEST_FUZZ_RUNS scales it (10,000 per ingest route by default).
 */

/** Small limits, so that "over the limit" costs kilobytes, not megabytes. */
const LIMITS = { MAX_BODY_BYTES: 65_536, MAX_FLOWS_PER_REQUEST: 100, MAX_PRODUCTS_BODY_BYTES: 200_000, MAX_PRODUCT_BYTES: 20_000 };
const HOSTILE_RUNS = Number(process.env.TEST_FUZZ_RUNS ?? 10_000);
const QUERY_RUNS = Math.max(1, Math.round(HOSTILE_RUNS / 5));
const VALID_RUNS = Math.max(1, Math.round(HOSTILE_RUNS / 50));
/** Random per run unless TEST_FUZZ_SEED replays one; every campaign derives its own seed from it. */
const SEED = Number(process.env.TEST_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const seedOf = (name: string) => [...name].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) | 0, SEED);

let system: System;
let h: Harness;
let appErrors: () => string[] = () => [];
const startedAt = Date.now();

beforeAll(async () => {
  // More upload slots than the client has connections: a 429 for a full upload pool is not what is fuzzed here.
  system = await startSystem({ env: { ...Object.fromEntries(Object.entries(LIMITS).map(([k, v]) => [k, String(v)])), MAX_CONCURRENT_UPLOADS: "64" } });
  // A worker drains the queues, so "nothing was written" covers the rollups too, not just the queues.
  await system.start("aggregator-worker");
  appErrors = keepAppErrors(system.apps);
  h = {
    client: new HttpClient({ ingest: new URL(system.ingestUrl), query: new URL(system.queryUrl) }, 24),
    effects: new SideEffects(system.env.REDIS_URL, system.env.QUEUE_PREFIX, system.database.url),
    tally: new Tally(),
    limits: { all: Object.values(LIMITS) },
  };
  console.log(`fuzz seed ${SEED} (replay with TEST_FUZZ_SEED=${SEED}); ${HOSTILE_RUNS} hostile requests per ingest route, ${QUERY_RUNS} per query route`);
});

afterAll(async () => {
  if (h) {
    console.log(`requests per route (seed ${SEED}, ${((Date.now() - startedAt) / 1000).toFixed(1)} s):\n${h.tally.table()}`);
    const errors = appErrors();
    if (errors.length > 0) console.log(`errors the apps logged (unhandled, answered 500):\n  ${errors.join("\n  ")}`);
    h.client.close();
    await h.effects.close();
  }
  await system?.stop();
});

const kept = (report: string[]) => expect(report.join("\n\n"), "every request keeps the contract").toBe("");

describe("valid requests are accepted (202), folded, and read back exactly", () => {
  const json = (items: fc.Arbitrary<Entries>, max: number, forms?: Parameters<typeof bodyTemplate>[2]) => bodyTemplate(items, max, forms);
  it.each([
    ["POST /v1/messages", () => runAcceptance(h, { route: "POST /v1/messages (valid)", arbitrary: json(validMessage, 5), runs: VALID_RUNS, seed: seedOf("valid messages"), materialize: messagesRoundTrip(system.queryUrl) })],
    ["POST /v1/counters", () => runAcceptance(h, { route: "POST /v1/counters (valid)", arbitrary: json(validCounter, 4), runs: VALID_RUNS, seed: seedOf("valid counters"), materialize: countersRoundTrip(system.queryUrl, "/v1/counters") })],
    ["POST /api/events", () => runAcceptance(h, { route: "POST /api/events (valid)", arbitrary: json(validCounter, 4), runs: VALID_RUNS, seed: seedOf("valid events"), materialize: countersRoundTrip(system.queryUrl, "/api/events") })],
    ["POST /v1/flows", () => runAcceptance(h, { route: "POST /v1/flows (valid)", arbitrary: json(validFlow, 6, fc.constantFrom("array", "ndjson")), runs: VALID_RUNS, seed: seedOf("valid flows"), materialize: flowsRoundTrip(system.queryUrl, "/v1/flows") })],
    ["POST /flows", () => runAcceptance(h, { route: "POST /flows (valid)", arbitrary: json(validFlow, 6, fc.constantFrom("array", "ndjson")), runs: VALID_RUNS, seed: seedOf("valid seed flows"), materialize: flowsRoundTrip(system.queryUrl, "/flows") })],
    [
      "POST /v1/products",
      () =>
        runAcceptance(h, {
          route: "POST /v1/products (valid)",
          arbitrary: fc.record({ items: fc.array(acceptableProduct, { minLength: 1, maxLength: 6 }), type: fc.constantFrom<string | undefined>(undefined, ...JSON_TYPES) }),
          runs: VALID_RUNS,
          seed: seedOf("valid products"),
          materialize: productsRoundTrip(system.queryUrl),
        }),
    ],
  ] as const)("%s", async (_route, run) => kept(await run()));
});

describe("a request valid by the field rules but holding U+0000 or a lone surrogate is refused (422) or stored exactly", () => {
  it.each([
    ["POST /v1/messages", () => runAcceptance(h, { route: "POST /v1/messages (unstorable)", arbitrary: bodyTemplate(unstorableMessage, 2), runs: VALID_RUNS / 4, seed: seedOf("unstorable messages"), materialize: messagesRoundTrip(system.queryUrl), mayReject: true })],
    ["POST /v1/counters", () => runAcceptance(h, { route: "POST /v1/counters (unstorable)", arbitrary: bodyTemplate(unstorableCounter, 2), runs: VALID_RUNS / 4, seed: seedOf("unstorable counters"), materialize: countersRoundTrip(system.queryUrl, "/v1/counters"), mayReject: true })],
    ["POST /v1/flows", () => runAcceptance(h, { route: "POST /v1/flows (unstorable)", arbitrary: bodyTemplate(unstorableFlow, 2, fc.constant("array")), runs: VALID_RUNS / 4, seed: seedOf("unstorable flows"), materialize: flowsRoundTrip(system.queryUrl, "/v1/flows"), mayReject: true })],
  ] as const)("%s", async (_route, run) => kept(await run()));
});

describe("hostile requests to the ingest API are rejected with problem+json and leave no trace", () => {
  const json = { maxBodyBytes: LIMITS.MAX_BODY_BYTES };
  it.each([
    ["/v1/messages", () => hostileJsonBodies({ ...json, path: "/v1/messages", kind: "messages", ...messageItems })],
    ["/v1/counters", () => hostileJsonBodies({ ...json, path: "/v1/counters", kind: "counters", ...counterItems })],
    ["/api/events", () => hostileJsonBodies({ ...json, path: "/api/events", kind: "counters", ...counterItems })],
    ["/v1/flows", () => hostileJsonBodies({ ...json, path: "/v1/flows", kind: "flows", ...flowItems, arrayOnly: true, maxItems: LIMITS.MAX_FLOWS_PER_REQUEST })],
    ["/flows", () => hostileJsonBodies({ ...json, path: "/flows", kind: "flows", ...flowItems, arrayOnly: true, maxItems: LIMITS.MAX_FLOWS_PER_REQUEST })],
    ["/v1/products", () => hostileProductBodies({ maxBodyBytes: LIMITS.MAX_PRODUCTS_BODY_BYTES, maxProductBytes: LIMITS.MAX_PRODUCT_BYTES })],
  ] as const)("POST %s", async (path, arbitrary) => {
    kept(await runHostile(h, { route: `POST ${path}`, arbitrary: arbitrary(), runs: HOSTILE_RUNS, seed: seedOf(path), writesNothing: true }));
  });

  it("POST /v1/products refuses a repeated body (403) and that refusal leaves no trace either", async () => {
    const body = Buffer.from(jsonText([{ id: `repeat-${SEED}`, name: "kettle" }]));
    const post = requestCase({ path: "/v1/products", label: "products/repeated", body, headers: { "content-type": "application/json" }, expect: [202] });
    const first = await h.client.send(post);
    expect(violations(post, first, h.limits)).toEqual([]);
    await h.effects.uploadsApplied();
    const before = await h.effects.snapshot();
    const again = requestCase({ ...post, expect: [403] });
    const outcomes = await h.client.sendAll(Array.from({ length: 20 }, () => again));
    h.tally.record("POST /v1/products (repeated)", [first, ...outcomes]);
    for (const o of outcomes) {
      expect(violations(again, o, h.limits)).toEqual([]);
      expect(JSON.parse(o.body)).toMatchObject({ acceptedAt: expect.any(String), refusedUntil: expect.any(String) });
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(differences(before, await h.effects.snapshot())).toEqual([]);
  });
});

describe("hostile requests to the query API are answered without a 5xx, and write nothing", () => {
  it.each([
    ["/v1/stats/messages", messagesStatsQueries],
    ["/v1/stats/domains/top", topDomainsQueries],
    ["/stats/minutes", () => seedStatsQueries("minutes")],
    ["/stats/hours", () => seedStatsQueries("hours")],
    ["/v1/flows", () => flowsQueries("/v1/flows")],
    ["/flows", () => flowsQueries("/flows")],
    ["/v1/products/:id", productQueries],
  ] as const)("GET %s", async (path, arbitrary) => {
    kept(await runHostile(h, { route: `GET ${path}`, arbitrary: arbitrary(), runs: QUERY_RUNS, seed: seedOf(`GET ${path}`), writesNothing: true }));
  });
});

describe("unknown routes answer 404, known routes with another method 405 with Allow", () => {
  it.each(["ingest", "query"] as const)("%s API", async (target) => {
    kept(await runHostile(h, { route: `(unknown routes/methods, ${target})`, arbitrary: unknownRoutesAndMethods(target), runs: QUERY_RUNS, seed: seedOf(`unknown ${target}`), writesNothing: true }));
  });
});
