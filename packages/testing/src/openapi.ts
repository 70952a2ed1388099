import { createConfig, lintFromString, type NormalizedProblem } from "@redocly/openapi-core";

/** Redocly's `recommended` ruleset, less two rules that do not apply to Tally, each with its reason. */
const RULES = {
  // The document describes the API wherever it runs, so it names no server: OpenAPI's default, the
  // origin it was fetched from, is the right one (directly or behind the compose gateway).
  "no-empty-servers": "off",
  // Tally is run by its own operators, not published: there is no licence for the document to state.
  "info-license": "off",
} as const;

/**
 * Every error and warning Redocly's `recommended` ruleset (less RULES) finds in an OpenAPI document, one
 * line each: `error no-unresolved-refs at #/paths/…: Can't resolve $ref`. One more exception, below.
 */
export async function lintOpenApi(document: unknown): Promise<string[]> {
  const config = await createConfig({ extends: ["recommended"], rules: RULES });
  const problems = await lintFromString({ source: JSON.stringify(document), absoluteRef: "openapi.json", config });
  return problems.filter((p) => !refusesNothing(p, document)).map(describe);
}

/**
 * `operation-4xx-response` asks every operation to document a 4xx. An open operation with no input
 * (`/healthz`, `/docs`: `security: []`, no parameters, no body) has none of its own to document: it
 * answers every request that reaches it. Only that warning, only for those operations, is dropped.
 */
function refusesNothing(problem: NormalizedProblem, document: unknown): boolean {
  const pointer = problem.location[0]?.pointer;
  if (problem.ruleId !== "operation-4xx-response" || !pointer?.endsWith("/responses")) return false;
  const operation = resolve(document, pointer.slice(0, -"/responses".length)) as { security?: unknown[]; parameters?: unknown[]; requestBody?: unknown } | undefined;
  return operation?.security?.length === 0 && !operation.parameters?.length && operation.requestBody === undefined;
}

/** The value at a JSON pointer (`#/paths/~1healthz/get`). */
function resolve(document: unknown, pointer: string): unknown {
  return pointer
    .replace(/^#\//, "")
    .split("/")
    .map((token) => token.replaceAll("~1", "/").replaceAll("~0", "~"))
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], document);
}

function describe(problem: NormalizedProblem): string {
  const where = problem.location[0]?.pointer ?? "";
  return `${problem.severity} ${problem.ruleId} at ${where}: ${problem.message}`;
}

/** Every `$ref` in a document, in order: `#/components/schemas/Problem`. */
export function refsIn(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(refsIn);
  if (node === null || typeof node !== "object") return [];
  return Object.entries(node).flatMap(([key, value]) => (key === "$ref" && typeof value === "string" ? [value] : refsIn(value)));
}
