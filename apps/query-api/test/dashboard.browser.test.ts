// The functions handed to page.evaluate run in the page: they are typed against the DOM.
/// <reference lib="dom" />
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createDb, type Database } from "@tally/shared/db";
import { createMetricsRegistry } from "@tally/shared/http";
import { createLogger } from "@tally/shared/logger";
import { createTestDatabase, expectProblem, listen, type TestDatabase } from "@tally/testing";
import { launchChromium, watchPage } from "@tally/testing/browser";
import type { Kysely } from "kysely";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDashboard } from "../dashboard-ui/build.js";
import { createApp } from "../src/app.js";

const SCREENSHOT = fileURLToPath(new URL("../../../docs/dashboard.png", import.meta.url));

const NOW = Date.UTC(2026, 10, 23, 14, 54, 30); // last complete minute 14:53, hour 13:00
const at = (h: number, m: number, s = 0) => new Date(Date.UTC(2026, 10, 23, h, m, s));
const KEY = "dashboard-key-0123456789";

let database: TestDatabase | undefined;
let readOnly: Kysely<Database> | undefined;
let open: Awaited<ReturnType<typeof listen>> | undefined;
let locked: Awaited<ReturnType<typeof listen>> | undefined;
let browser: Browser | undefined;

async function insertFixtures(db: Kysely<Database>): Promise<void> {
  const minuteTop = { "api.example.com": 1840, "cdn.example.net": 1312, "www.tally.dev": 977, "img.example.org": 640, "auth.example.com": 522, "static.example.net": 301, "a-rather-long-subdomain-name.eu-west-1.example.com": 155, "status.tally.dev": 42 };
  const hourTop = { "cdn.example.net": 81_200, "api.example.com": 77_950, "www.tally.dev": 51_004, "img.example.org": 30_120, "auth.example.com": 22_480, "static.example.net": 9_870 };
  // Earlier minutes: a steady background with a wave, so the throughput chart has a shape.
  const background = Array.from({ length: 29 }, (_, i) => ({ minute: new Date(at(14, 24).getTime() + i * 60_000), domain: "background.example.com", requests: 4000 + Math.round(1500 * Math.sin(i / 4)) }));
  await db
    .insertInto("domain_minute")
    .values([...Object.entries(minuteTop).map(([domain, requests]) => ({ minute: at(14, 53), domain, requests })), ...background])
    .execute();
  await db
    .insertInto("domain_hour")
    .values(Object.entries(hourTop).map(([domain, requests]) => ({ hour: at(13, 0), domain, requests })))
    .execute();
  await db
    .insertInto("message_rollup")
    .values([
      { quarter: at(13, 0), customer_id: 1, type: "A", count: 5400, total: "64.800" },
      { quarter: at(14, 0), customer_id: 1, type: "A", count: 4870, total: "58.440" },
      // Customer 77: two types on 23 November UTC, one quarter of which (19:00Z) is 24 November in Kolkata.
      { quarter: at(9, 15), customer_id: 77, type: "A", count: 3, total: "1.500" },
      { quarter: at(11, 45), customer_id: 77, type: "B", count: 4, total: "2.000" },
      { quarter: at(19, 0), customer_id: 77, type: "A", count: 5, total: "2.500" },
    ])
    .execute();
  await db
    .insertInto("fold_watermarks")
    .values([
      { queue: "messages", as_of: new Date(NOW - 1800), computed_at: new Date(NOW - 600) },
      { queue: "counters", as_of: new Date(NOW - 4000), computed_at: new Date(NOW - 600) },
      { queue: "flows", as_of: new Date(NOW - 1600), computed_at: new Date(NOW - 600) },
    ])
    .execute();
}

beforeAll(async () => {
  browser = await launchChromium();
  await buildDashboard();
  database = await createTestDatabase();
  await insertFixtures(database.db);
  readOnly = createDb(database.url, { readOnly: true });
  const deps = { db: readOnly, logger: createLogger("query-api", "silent"), clock: () => NOW };
  open = await listen(createApp({ ...deps, registry: createMetricsRegistry("query-api") }));
  locked = await listen(createApp({ ...deps, registry: createMetricsRegistry("query-api"), apiKeys: [KEY] }));
});
afterAll(async () => {
  await browser?.close();
  await open?.close();
  await locked?.close();
  await readOnly?.destroy();
  await database?.drop();
});

/** How many pixels of a canvas have been drawn on. */
const paintedPixels = (page: Page, selector: string) =>
  page.$eval(selector, (canvas: HTMLCanvasElement) => {
    const { data } = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height);
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) painted++;
    return painted;
  });

describe("GET /dashboard in Chromium", () => {
  it("draws the top domains, throughput and queue lag from the API, with no error and no failed request", async () => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    const problems = watchPage(page);
    await page.goto(`${open!.url}/dashboard`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });

    for (const chart of ["#minute-chart", "#hour-chart", "#throughput-chart"]) expect(await paintedPixels(page, chart), chart).toBeGreaterThan(1000);
    expect(await page.locator("#minute-table tbody tr").first().textContent()).toBe("api.example.com1,840");
    expect(await page.locator("#minute-table tbody tr").count()).toBe(8);
    expect(await page.locator("#hour-table tbody tr").first().textContent()).toBe("cdn.example.net81,200");
    expect(await page.locator("#minute-window").textContent()).toBe("2026-11-23 14:53–14:54 UTC · final");
    expect(await page.locator("#hour-chart").getAttribute("aria-label")).toContain("the busiest is cdn.example.net with 81,200 requests");
    expect(await page.locator("#throughput-table tbody tr").count()).toBe(30);
    expect(await page.locator("#throughput-table tbody tr").last().textContent()).toBe("14:535,789");
    expect(await page.locator("#messages-last").textContent()).toBe("5,400");
    expect(await page.locator("#messages-current").textContent()).toBe("4,870");
    expect(await page.locator("#queues-table tbody tr").first().innerText()).toBe("messages\t1.2 s\t14:54:28 UTC\t600 ms ago");
    expect(await page.locator("#updated").textContent()).toBe("14:54:30 UTC");
    expect(await page.locator("#key-form").isHidden()).toBe(true);

    await mkdir(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });
});

describe("the dashboard's chart of one customer", () => {
  it.each([
    ["UTC", 1],
    ["Asia/Kolkata", 2],
  ])("draws a customer's messages by day of %s, summed over its types (%i days)", async (tz, days) => {
    const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    const problems = watchPage(page);
    await page.goto(`${open!.url}/dashboard`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
    await page.locator("#customer-id").fill("77");
    await page.locator("#customer-window").selectOption("day");
    await page.locator("#customer-until").fill("2026-11-24");
    await page.locator("#customer-tz").selectOption(tz);
    await page.getByRole("button", { name: "Show" }).click();
    await page.waitForSelector("#customer-section[data-messages]", { timeout: 10_000 });
    expect(await page.locator("#customer-section").getAttribute("data-messages")).toBe("12");
    expect(await page.locator("#customer-section").getAttribute("data-buckets")).toBe(String(days));
    expect(await page.locator("#customer-note").textContent()).toBe(`12 messages by day, ${tz}.`);
    expect(await paintedPixels(page, "#customer-chart")).toBeGreaterThan(1000);
    expect(problems).toEqual([]);
    await page.close();
  });
});

describe("GET /dashboard where QUERY_API_KEYS is set", () => {
  it("serves the page and its assets without a key, but not the numbers", async () => {
    const page = await fetch(`${locked!.url}/dashboard`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    const script = await fetch(`${locked!.url}/dashboard/assets/dashboard.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toMatch(/javascript/);
    await expectProblem(await fetch(`${locked!.url}/v1/dashboard/summary`), 401);
    await expectProblem(await fetch(`${open!.url}/dashboard/assets/nothing.js`), 404);
  });

  it("asks for a key, then shows the numbers and keeps the key for the tab", async () => {
    const page = await browser!.newPage();
    const problems = watchPage(page);
    await page.goto(`${locked!.url}/dashboard`);
    const input = page.getByLabel("API key");
    await input.waitFor({ state: "visible" });
    expect(await page.locator("#status").textContent()).toBe("The query API needs a key to show its numbers.");

    await input.fill("not-the-key");
    await page.getByRole("button", { name: "Use this key" }).click();
    await page.waitForFunction(() => document.getElementById("status")?.textContent?.includes("refused"));
    await input.fill(KEY);
    await page.getByRole("button", { name: "Use this key" }).click();
    await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
    expect(await page.locator("#minute-table").textContent()).toContain("api.example.com");

    await page.reload();
    await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
    expect(await input.isHidden()).toBe(true);
    // The only complaints are the API's 401s before a good key was given (Chromium logs each one).
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.filter((p) => !/\b401\b/.test(p))).toEqual([]);
    await page.close();
  });
});
