import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { eventually, expectProblem } from "@tally/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { eventSet, type EventSet, type Totals } from "./event-sets.js";
import { defineStack, type Stack } from "./stack.js";

// The README's `docker compose up --build`, for real: the stack is built and started once for this
// file, every check goes through the gateway's published ports as a user's would, and the project
// (containers, network, volumes) is removed at the end whatever happened.

const DAY_MS = 86_400_000;
const now = Date.now();
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

let stack: Stack;
let failed = false;
const timings: string[] = [];

async function timed<T>(what: string, step: () => Promise<T>): Promise<T> {
  const start = Date.now();
  const result = await step();
  timings.push(`${what}: ${((Date.now() - start) / 1000).toFixed(1)} s`);
  return result;
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`GET ${url} → ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

const postJson = (url: string, body: unknown) => fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

/** Polls `read` until it equals `expected`, then asserts it (so a timeout shows the difference). */
async function settles<T>(read: () => Promise<T>, expected: T, what: string, timeoutMs = 90_000): Promise<void> {
  let last: T | undefined;
  await eventually(
    async () => {
      last = await read();
      return isDeepStrictEqual(last, expected) ? true : undefined;
    },
    timeoutMs,
    what,
  ).catch(() => undefined);
  expect(last, what).toEqual(expected);
}

beforeAll(async () => {
  stack = await defineStack();
  await timed("docker compose up --build -d", () => stack.compose(["up", "--build", "-d"], 30 * 60_000));
  await timed("healthy", async () => {
    for (const service of ["ingest-api", "aggregator-worker", "query-api"]) await stack.waitHealthy(service, 1);
    await eventually(async () => ((await fetch(`${stack.ingestUrl}/ingest/readyz`)).ok && (await fetch(`${stack.queryUrl}/query/readyz`)).ok) || undefined, 60_000, "both APIs ready through the gateway");
  });
}, 35 * 60_000);

beforeEach(({ onTestFailed }) => {
  onTestFailed(() => {
    failed = true;
  });
});

afterAll(async () => {
  if (!stack) return;
  if (failed) process.stderr.write(`\n--- docker compose logs (last lines per container) ---\n${await stack.compose(["logs", "--no-color", "--tail", "25"]).catch(String)}\n`);
  await timed("docker compose down -v", () => stack.down());
  process.stdout.write(`\ncompose smoke test, project ${stack.project}:\n  ${timings.join("\n  ")}\n`);
}, 5 * 60_000);

describe("migrations and the query API's read-only role", () => {
  it("creates the role on a new volume, and finds it on an existing one", async () => {
    expect(await stack.compose(["logs", "--no-color", "migrate"])).toContain('"role":"tally_reader","outcome":"created"');
    // The same step against the volume that now exists, as after an upgrade: it keeps the role.
    const again = await stack.compose(["run", "--rm", "--no-deps", "migrate"]);
    expect(again).toContain('"role":"tally_reader","outcome":"existed"');
    expect(await getJson(`${stack.queryUrl}/query/readyz`)).toMatchObject({ status: "ready", checks: { postgres: "up" } });
  });
});

describe("the README's quick start, through the gateway", () => {
  // Its commands, as curl sends them (`-d` alone declares application/x-www-form-urlencoded, read as
  // JSON), with its files and its dates: today and tomorrow, this hour, now.
  const example = (name: string) => readFileSync(new URL(`../../../examples/${name}`, import.meta.url));
  const post = (path: string, body: string | Buffer, contentType = "application/x-www-form-urlencoded") =>
    fetch(`${stack.ingestUrl}${path}`, { method: "POST", body, headers: { "content-type": contentType } });
  const thisHour = new Date(now).toISOString().slice(0, 13);
  let upload: string | null = null;

  it("accepts every POST, and refuses the same catalogue again with 403", async () => {
    const answers = [
      await post("/v1/messages", '{"customerId": 1, "type": "A", "amount": "0.012", "uuid": "a596b362-08be-419f-8070-9c3055566e7c"}'),
      await post("/v1/messages", example("messages.ndjson"), "application/x-ndjson"),
      await post("/v1/counters", `{"timestamp": ${Math.floor(now / 1000)}, "example.com": 3, "tally.dev": 4}`),
      await post("/v1/flows", example("flows.json"), "application/json"),
      await post("/v1/products", example("catalogue.json"), "application/json"),
    ];
    expect(answers.map((r) => r.status)).toEqual([202, 202, 202, 202, 202]);
    expect(await Promise.all(answers.map((r) => r.json()))).toEqual([1, 6, 1, 4, 3].map((accepted) => ({ accepted })));
    upload = answers[4]!.headers.get("location");
    expect(upload).toMatch(/^\/v1\/products\/uploads\/[0-9a-f-]{36}$/);
    await expectProblem(await post("/v1/products", example("catalogue.json"), "application/json"), 403);
  });

  it("answers every GET as the README says (the upper-case repeat of a uuid counted once)", async () => {
    const q = stack.queryUrl;
    await settles(
      async () => (await getJson<{ items: unknown[] }>(`${q}/v1/stats/messages?from=${day(now)}&to=${day(now + DAY_MS)}`)).items,
      [
        { customerId: 1, type: "A", count: 3, totalAmount: "0.048" },
        { customerId: 1, type: "B", count: 1, totalAmount: "1.000" },
        { customerId: 2, type: "", count: 1, totalAmount: "0.500" },
        { customerId: 2, type: "A", count: 1, totalAmount: "999.999" },
      ],
      "messages of today",
    );
    await settles(
      async () => (await getJson<{ items: unknown[] }>(`${q}/v1/stats/domains/top?window=hour&start=${thisHour}:00:00Z`)).items,
      [
        { domain: "tally.dev", requests: 4 },
        { domain: "example.com", requests: 3 },
      ],
      "top domains of this hour",
    );
    await settles(
      async () => (await getJson<{ items: unknown[] }>(`${q}/v1/flows?hour=1`)).items,
      [
        { src_app: "api", dest_app: "db", vpc_id: "vpc-0", hour: 1, bytes_tx: 300, bytes_rx: 90000 },
        { src_app: "web", dest_app: "api", vpc_id: "vpc-0", hour: 1, bytes_tx: 2000, bytes_rx: 10000 },
      ],
      "flows of hour 1",
    );
    await settles(async () => (await getJson<{ status: string }>(`${q}${upload}`)).status, "applied", `GET ${upload}`);
    expect(await getJson(`${q}/v1/products/sku-2`)).toMatchObject({ id: "sku-2", data: { name: "mug", stock: 120 } });
    expect(Array.isArray(await getJson(`${q}/stats/minutes`))).toBe(true);
    for (const [base, path] of [[q, "/dashboard"], [stack.ingestUrl, "/docs"], [q, "/docs"]] as const) {
      const page = await fetch(`${base}${path}`);
      expect([path, page.status, page.headers.get("content-type")]).toEqual([path, 200, "text/html; charset=utf-8"]);
    }
  });
});

describe("the gateway", () => {
  interface OpenApi {
    info: { title: string };
    paths: Record<string, Record<string, unknown>>;
  }

  it("reaches every route of both APIs' OpenAPI documents, from either port", async () => {
    const documents = await Promise.all(["ingest", "query"].map((api) => getJson<OpenApi>(`${stack.ingestUrl}/${api}/openapi.json`)));
    const unreached: string[] = [];
    let checked = 0;
    for (const document of documents) {
      for (const [path, operations] of Object.entries(document.paths)) {
        for (const method of Object.keys(operations).map((m) => m.toUpperCase())) {
          for (const base of [stack.ingestUrl, stack.queryUrl]) {
            // An invalid body (422) or a missing id (404 of the route itself) proves the route was reached
            // without changing anything; the wrong API would answer 405, or 404 "no route".
            const url = `${base}${path.replaceAll(/\{[^}]+\}/g, "smoke-absent")}`;
            const res = await fetch(url, method === "POST" ? { method, headers: { "content-type": "application/json" }, body: "{}" } : { method });
            const text = await res.text();
            if (res.status === 405 || (res.status === 404 && text.includes("no route for"))) unreached.push(`${method} ${url} → ${res.status} ${text}`);
            checked++;
          }
        }
      }
    }
    expect(unreached).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(40);
  });

  it.each([
    ["GET", "/v1/messages", "POST"],
    ["GET", "/v1/counters", "POST"],
    ["GET", "/api/events", "POST"],
    ["GET", "/v1/products", "POST"],
    ["POST", "/v1/stats/messages", "GET, HEAD"],
    ["POST", "/stats/hours", "GET, HEAD"],
    ["POST", "/v1/products/1", "GET, HEAD"],
    ["DELETE", "/flows", "GET, HEAD, POST"],
    ["PUT", "/v1/flows", "GET, HEAD, POST"],
  ])("answers %s %s with 405 and Allow: %s on either port", async (method, path, allow) => {
    for (const base of [stack.ingestUrl, stack.queryUrl]) {
      const res = await fetch(`${base}${path}`, { method });
      expect(res.headers.get("allow"), `${method} ${base}${path}`).toBe(allow);
      await expectProblem(res, 405);
    }
  });

  it("answers an unknown path 404 problem+json with a request id, on either port", async () => {
    for (const base of [stack.ingestUrl, stack.queryUrl]) {
      const res = await fetch(`${base}/no/such/route`);
      expect(res.headers.get("x-request-id")).toBeTruthy();
      await expectProblem(res, 404);
    }
  });

  it.each([
    ["ingest", "Tally ingest API", "ingest-api"],
    ["query", "Tally query API", "query-api"],
  ])("serves the %s API's docs, document, health, readiness and metrics under its prefix and on its port", async (api, title, service) => {
    const ownPort = api === "ingest" ? stack.ingestUrl : stack.queryUrl;
    const bases = [`${stack.ingestUrl}/${api}`, `${stack.queryUrl}/${api}`, ownPort];
    for (const base of bases) {
      expect((await getJson<OpenApi>(`${base}/openapi.json`)).info.title, base).toBe(title);
      expect(await getJson(`${base}/healthz`)).toEqual({ status: "ok" });
      expect(await getJson(`${base}/readyz`)).toMatchObject({ status: "ready" });
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics, base).toContain(`process_start_time_seconds{service="${service}"}`);
      // The docs page's references are relative: followed from this page, they stay with this API.
      const page = await fetch(`${base}/docs`);
      expect(page.status).toBe(200);
      const references = [...(await page.text()).matchAll(/(?:href=|src=|url: )"([^"]+)"/g)].map((m) => new URL(m[1]!, `${base}/docs`));
      expect(references.length).toBe(4); // its icon, style sheet, script and document
      for (const reference of references) expect((await fetch(reference)).status, reference.href).toBe(200);
      expect((await getJson<OpenApi>(references.find((u) => u.pathname.endsWith("openapi.json"))!.href)).info.title).toBe(title);
    }
  });
});

describe("scaled to 3 workers and 2 replicas of each API", () => {
  const sets = [eventSet(1, now), eventSet(2, now)] as const;

  async function send(set: EventSet): Promise<void> {
    const pending = [...set.requests];
    const statuses: string[] = [];
    // Four at a time: concurrent requests are coalesced into shared jobs, as under real load.
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let request = pending.shift(); request; request = pending.shift()) {
          const res = await postJson(`${stack.ingestUrl}${request.path}`, request.body);
          statuses.push(`${res.status} ${request.path} ${JSON.stringify(await res.json())}`);
        }
      }),
    );
    expect(statuses.filter((s) => !s.startsWith("202 "))).toEqual([]);
    expect(statuses).toHaveLength(set.requests.length);
  }

  async function totals(set: EventSet): Promise<Totals> {
    const q = stack.queryUrl;
    const stats = await getJson<{ items: { customerId: number; type: string; count: number; totalAmount: string }[] }>(
      `${q}/v1/stats/messages?from=${day(now - DAY_MS)}&to=${day(now + 2 * DAY_MS)}&size=1000`,
    );
    const top = await getJson<{ items: Totals["topDomains"] }>(`${q}/v1/stats/domains/top?window=hour&start=${set.counterHour.toISOString()}&limit=100`);
    const flows = await getJson<{ items: (Totals["flows"][number] & { hour: number })[] }>(`${q}/v1/flows?hour=${set.flowHour}&size=1000`);
    const products: Totals["products"] = {};
    for (const [i, id] of set.productIds.entries()) {
      const res = await fetch(`${q}/v1/products/${id}`);
      if (res.status === 200) {
        const { id: _, ...data } = ((await res.json()) as { data: Record<string, unknown> }).data;
        products[i] = data;
      }
    }
    return {
      messages: stats.items
        .filter((item) => Math.floor(item.customerId / 1000) === set.n)
        .map(({ customerId, type, count, totalAmount }) => ({ customer: customerId - set.n * 1000, type, count, totalAmount })),
      topDomains: top.items,
      flows: flows.items.map(({ hour: _, ...flow }) => flow),
      products,
    };
  }

  it("counts set 1 exactly with one worker", async () => {
    await timed("set 1 sent and counted (1 worker)", async () => {
      await send(sets[0]);
      await settles(() => totals(sets[0]), sets[0].expected, "set 1's totals");
    });
  });

  it("scales out, and the gateway reaches every API replica", async () => {
    await timed("scaled and healthy", async () => {
      await stack.compose(["up", "-d", "--no-build", "--scale", "aggregator-worker=3", "--scale", "ingest-api=2", "--scale", "query-api=2"]);
      await stack.waitHealthy("aggregator-worker", 3);
      await stack.waitHealthy("ingest-api", 2);
      await stack.waitHealthy("query-api", 2);
    });
    // Each replica started at its own second: seeing two start times means the gateway found both.
    for (const api of ["ingest", "query"]) {
      const seen = new Set<string>();
      await eventually(
        async () => {
          const metrics = await (await fetch(`${stack.ingestUrl}/${api}/metrics`)).text();
          const started = /^process_start_time_seconds\{[^}]*\} (\d+)/m.exec(metrics)?.[1];
          if (started) seen.add(started);
          return seen.size >= 2 ? true : undefined;
        },
        60_000,
        `the gateway reaching both ${api} replicas`,
      );
    }
  });

  it("counts set 2, shaped like set 1, to the same totals with three workers", async () => {
    await timed("set 2 sent and counted (3 workers)", async () => {
      await send(sets[1]);
      await settles(() => totals(sets[1]), sets[1].expected, "set 2's totals");
    });
    // And set 1 reads the same from either query replica.
    for (let i = 0; i < 4; i++) expect(await totals(sets[0])).toEqual(sets[0].expected);
    expect(await totals(sets[1])).toEqual(await totals(sets[0]));
  });
});
