import type { Page } from "playwright-core";

/** What the page code below uses of an element: this package's types carry no DOM lib (it would reach every test that imports them). */
interface PageElement {
  click(): void;
  querySelector(selector: string): PageElement | null;
  textContent: string | null;
  dataset: Record<string, string | undefined>;
}

/**
 * Opens an API's `/docs` (Swagger UI) and expands every operation, which is when Swagger UI resolves
 * its schemas and shows what it cannot ("Resolver error …"). Returns the operations it lists
 * (`GET /healthz`) and the text of every error element on the page.
 */
export async function openDocsPage(page: Page, apiUrl: string): Promise<{ operations: string[]; errors: string[] }> {
  await page.goto(`${apiUrl}/docs`);
  await page.locator(".opblock").first().waitFor({ timeout: 15_000 });
  // All at once, in the page: clicking each through playwright waits for every one to settle.
  await page.locator(".opblock-summary-control").evaluateAll((summaries: unknown[]) => summaries.forEach((summary) => (summary as PageElement).click()));
  // An expanded operation shows its responses once its part of the document is resolved (page code as a string: see PageElement).
  await page.waitForFunction("[...document.querySelectorAll('.opblock')].every((op) => op.querySelector('.responses-wrapper'))", undefined, { timeout: 15_000 });
  const operations = await page
    .locator(".opblock-summary")
    .evaluateAll((summaries: unknown[]) =>
      (summaries as PageElement[]).map((s) => `${s.querySelector(".opblock-summary-method")?.textContent ?? ""} ${s.querySelector(".opblock-summary-path")?.dataset.path ?? ""}`),
    );
  const errors = await page.locator(".errors-wrapper, .error-wrapper").allInnerTexts();
  return { operations, errors };
}

/**
 * Runs one operation of an open docs page as a reader would: "Try it out", fills `parameters` (by
 * name), keeps the request body's example, "Execute". Returns the status code and the response
 * details (body and headers) the page then shows.
 */
export async function tryItOut(page: Page, method: string, path: string, parameters: Record<string, string> = {}): Promise<{ status: string; shown: string }> {
  const operation = page.locator(`.opblock-${method.toLowerCase()}`).filter({ has: page.locator(`.opblock-summary-path[data-path="${path}"]`) });
  await operation.getByRole("button", { name: "Try it out" }).click();
  for (const [name, value] of Object.entries(parameters)) await operation.locator(`tr[data-param-name="${name}"] input`).fill(value);
  await operation.getByRole("button", { name: "Execute" }).click();
  const answer = operation.locator(".live-responses-table .response");
  await answer.waitFor({ timeout: 15_000 });
  return { status: (await answer.locator(".response-col_status").innerText()).trim(), shown: await answer.locator(".response-col_description").innerText() };
}
