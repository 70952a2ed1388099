import { ingestOpenApi } from "@tally/ingest-api/openapi";
import { queryOpenApi } from "@tally/query-api/openapi";
import openapiTS, { astToString, COMMENT_HEADER, type OpenAPI3 } from "openapi-typescript";

/** Each generated file (relative to packages/client) and the document it is made from. */
const SOURCES = {
  "src/generated/ingest.ts": ingestOpenApi,
  "src/generated/query.ts": queryOpenApi,
} as const;

const HEADER = `${COMMENT_HEADER.trimEnd()}\n// From the OpenAPI document the built app serves; after changing it, run: pnpm --filter @tally/client generate\n\n`;

/**
 * The TypeScript of every generated file, from the documents the apps' builds export (no app runs:
 * the documents are plain objects), as `pnpm --filter @tally/client generate` writes it.
 */
export async function generateClientTypes(): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const [file, document] of Object.entries(SOURCES)) {
    // A copy through JSON: exactly what /openapi.json serves, and nothing openapi-typescript could change in the app's own object.
    const ast = await openapiTS(JSON.parse(JSON.stringify(document)) as OpenAPI3);
    files[file] = HEADER + astToString(ast);
  }
  return files;
}
