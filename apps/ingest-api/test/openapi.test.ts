import { documentedResponses, listRoutes, openApiPath, problemSchema } from "@tally/shared/http";
import { lintOpenApi, refsIn } from "@tally/testing/openapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingestOperations, type ingestOpenApi } from "../src/openapi.js";
import { startIngest, type Ingest } from "./ingest-harness.js";

let ingest: Ingest;
beforeAll(async () => {
  ingest = await startIngest();
});
afterAll(() => ingest.close());

describe("the ingest API's OpenAPI document", () => {
  it("describes every route the app registers, and nothing else", async () => {
    const document = (await (await fetch(`${ingest.url}/openapi.json`)).json()) as typeof ingestOpenApi;
    expect(document.openapi).toBe("3.1.0");
    const described = Object.entries(document.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    const registered = listRoutes(ingest.app).map((r) => r.replace(/ (.*)$/, (_, p: string) => ` ${openApiPath(p)}`));
    expect(described.sort()).toEqual(registered);
  });

  it("passes Redocly's recommended rules with no error and no warning", async () => {
    const document: unknown = await (await fetch(`${ingest.url}/openapi.json`)).json();
    expect(await lintOpenApi(document)).toEqual([]);
  });

  it("keeps the named schemas in components/schemas, where every $ref points", async () => {
    const document = (await (await fetch(`${ingest.url}/openapi.json`)).json()) as typeof ingestOpenApi;
    const named = ["Accepted", "Counter", "Flow", "Message", "Problem", "Product"];
    expect(Object.keys(document.components.schemas).sort()).toEqual(named);
    expect([...new Set(refsIn(document.paths))].sort()).toEqual(named.map((name) => `#/components/schemas/${name}`));
  });

  it.each(documentedResponses(ingestOperations).map((r) => [r.name, r] as const))("has an example answer for %s that its schema accepts (a problem with that status)", (_, response) => {
    expect(response.example).toBeDefined();
    expect(response.schema?.safeParse(response.example).error).toBeUndefined();
    if (response.problem) expect(problemSchema.parse(response.example).status).toBe(response.status);
  });

  it.each(ingestOperations.filter((op) => op.body).map((op) => [`${op.method.toUpperCase()} ${op.path}`, op] as const))(
    "has a request example for %s that its schema accepts, and the API accepts too",
    async (_, op) => {
      expect(op.body!.schema.safeParse(op.body!.example).success).toBe(true);
      const res = await ingest.post(op.path, JSON.stringify(op.body!.example));
      expect(res.status).toBe(202);
    },
  );

  it("serves a docs page whose assets and document come from this server, by relative URLs", async () => {
    const page = await (await fetch(`${ingest.url}/docs`)).text();
    expect(page).not.toMatch(/https?:\/\//);
    // Relative, so that behind the gateway /ingest/docs loads /ingest/openapi.json, not another API's.
    expect(page).not.toMatch(/(href|src|url)[=:]\s*"\//);
    const references = [...page.matchAll(/(?:href=|src=|url: )"([^"]+)"/g)].map((m) => m[1]!);
    expect(references).toEqual(["docs/assets/favicon-32x32.png", "docs/assets/swagger-ui.css", "docs/assets/swagger-ui-bundle.js", "openapi.json"]);
    for (const reference of references) expect((await fetch(new URL(reference, `${ingest.url}/docs`))).status, reference).toBe(200);
  });

  it("sends /docs/ to /docs by a relative redirect, where the page's relative URLs resolve", async () => {
    const res = await fetch(`${ingest.url}/docs/?x=1`, { redirect: "manual" });
    expect(res.status).toBe(301);
    expect(res.headers.get("location")).toBe("../docs");
    expect(new URL(res.headers.get("location")!, `${ingest.url}/ingest/docs/`).pathname).toBe("/ingest/docs");
  });
});
