import type { Outcome } from "./http-client.js";
import type { RequestCase } from "./request-case.js";

/** A stack frame or Node internals in a body: what SPEC §2 says an answer never shows. */
const STACK_TRACE = [/\bat .*\.(ts|js|mjs|cjs):\d+/, /node:internal/, /\n\s+at \S/, /\\n\s+at \S/, /file:\/\/\//];
/** What a plain client id looks like: echoed as given (README: "yours, if you sent one"). */
const PLAIN_ID = /^[A-Za-z0-9-]{1,64}$/;

export interface Limits {
  /** Numbers a 413's detail may name: the configured limits. */
  all: readonly number[];
}

/**
 * Everything wrong with one answer, by the contract (SPEC §2, README "Routes"): empty when it is right.
 * Always: an answer, no 5xx, no stack trace, an X-Request-Id, a status the case allows. Every 4xx: problem+json
 * `{type, title, status, detail}` with `status` the HTTP status; 422 with `errors: [{path, message}]` naming
 * the case's bad paths; 405 with `Allow`; 413 naming its limit.
 */
export function violations(c: RequestCase, o: Outcome, limits: Limits): string[] {
  if (o.status === undefined) return [`no answer: ${o.error ?? "connection closed"}`];
  const out: string[] = [];
  const status = o.status;
  if (status >= 500) out.push(`answered ${status}`);
  for (const pattern of STACK_TRACE) if (pattern.test(o.body)) out.push(`stack trace in the body (${pattern})`);
  if (!c.expect.includes(status)) out.push(`status ${status}, expected ${c.expect.join(" or ")}`);
  const id = o.headers["x-request-id"];
  if (typeof id !== "string" || id === "") out.push("no X-Request-Id");
  const sent = c.headers["x-request-id"];
  if (sent !== undefined && PLAIN_ID.test(sent) && id !== sent) out.push(`X-Request-Id ${JSON.stringify(id)} instead of the client's ${JSON.stringify(sent)}`);
  if (status >= 400) out.push(...problemViolations(c, o, status, limits));
  if (status === 405 && !o.headers.allow) out.push("405 without Allow");
  if (status < 300 && c.method !== "HEAD" && !/^application\/json/.test(o.headers["content-type"] ?? "")) out.push(`${status} with content-type ${o.headers["content-type"]}`);
  return out;
}

function problemViolations(c: RequestCase, o: Outcome, status: number, limits: Limits): string[] {
  const type = o.headers["content-type"] ?? "";
  if (!type.startsWith("application/problem+json")) return [`${status} with content-type ${JSON.stringify(type)}, not application/problem+json`];
  if (c.method === "HEAD") return [];
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(o.body) as Record<string, unknown>;
  } catch {
    return [`${status} problem body is not JSON: ${JSON.stringify(o.body.slice(0, 200))}`];
  }
  const out: string[] = [];
  for (const field of ["type", "title", "detail"]) if (typeof body[field] !== "string") out.push(`problem without a string ${field}`);
  if (body.status !== status) out.push(`problem status ${JSON.stringify(body.status)} on a ${status} answer`);
  if (status === 413 && !limits.all.some((n) => String(body.detail).includes(String(n)))) out.push(`413 detail names no limit: ${JSON.stringify(body.detail)}`);
  if (status === 422) {
    const errors = body.errors;
    if (!Array.isArray(errors) || errors.length === 0) return [...out, "422 without errors"];
    const shaped = errors.every((e: unknown) => typeof e === "object" && e !== null && typeof (e as { path: unknown }).path === "string" && typeof (e as { message: unknown }).message === "string");
    if (!shaped) out.push("422 errors are not all {path, message}");
    const named = new Set(errors.map((e: { path?: unknown }) => e.path));
    const missing = (c.paths ?? []).filter((p) => !named.has(p));
    if (shaped && errors.length < 100 && missing.length > 0) out.push(`422 does not name ${JSON.stringify(missing)} (named ${JSON.stringify([...named].slice(0, 10))})`);
  }
  return out;
}
