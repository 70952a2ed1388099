import { launchChromium, openDocsPage, tryItOut, watchPage } from "@tally/testing/browser";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingestOpenApi } from "../src/openapi.js";
import { startIngest, type Ingest } from "./ingest-harness.js";

let ingest: Ingest | undefined;
let browser: Browser | undefined;
beforeAll(async () => {
  browser = await launchChromium();
  ingest = await startIngest();
});
afterAll(async () => {
  await browser?.close();
  await ingest?.close();
});

const documented = Object.entries(ingestOpenApi.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`));

// Chromium renders every operation of Swagger UI: seconds on a quiet machine, far more on a busy one.
describe("the ingest API's /docs in Chromium", { timeout: 90_000 }, () => {
  it("lists every operation, resolves every schema, and shows no error", async () => {
    const page = await browser!.newPage();
    const problems = watchPage(page);
    const { operations, errors } = await openDocsPage(page, ingest!.url);
    expect(operations.sort()).toEqual(documented.sort());
    expect(errors).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("sends POST /v1/messages with its example from the page, and shows the API's 202", async () => {
    const page = await browser!.newPage();
    const problems = watchPage(page);
    await openDocsPage(page, ingest!.url);
    const { status, shown } = await tryItOut(page, "POST", "/v1/messages");
    expect(status).toBe("202");
    expect(shown).toContain('"accepted": 1');
    expect(await ingest!.messageJobs()).toHaveLength(1);
    expect(problems).toEqual([]);
    await page.close();
  });
});
