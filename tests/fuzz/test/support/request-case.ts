import fc from "fast-check";

export type Target = "ingest" | "query";

/** One HTTP request the suite sends, and what the contract allows as its answer. */
export interface RequestCase {
  target: Target;
  method: string;
  /** Path and query string, sent byte for byte as written (percent-encoding included). */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Sent with Transfer-Encoding: chunked instead of a Content-Length. */
  chunked?: boolean;
  /** What makes it hostile, for reports: `messages/wrong-field`, `flows/truncated`. */
  label: string;
  /** The statuses the contract allows. */
  expect: readonly number[];
  /** Paths a 422 must name among its `errors`. */
  paths?: readonly string[];
}

const PREVIEW_BYTES = 600;

/** A readable one-case description, also what fast-check prints for a counterexample. */
export function describeCase(c: RequestCase): string {
  const body = c.body
    ? ` body(${c.body.length} bytes${c.chunked ? ", chunked" : ""})=${JSON.stringify(c.body.subarray(0, PREVIEW_BYTES).toString("latin1"))}${c.body.length > PREVIEW_BYTES ? "…" : ""}`
    : "";
  const paths = c.paths?.length ? ` paths=${JSON.stringify(c.paths)}` : "";
  return `[${c.label}] ${c.method} ${c.path.length > 300 ? `${c.path.slice(0, 300)}…(${c.path.length} chars)` : c.path} headers=${JSON.stringify(c.headers)}${body} expect=${c.expect.join("|")}${paths}`;
}

/** Gives a case fast-check's printing hook, so shrunk counterexamples read as requests. */
function printable(c: RequestCase): RequestCase {
  return Object.defineProperty(c, fc.toStringMethod, { value: () => describeCase(c), enumerable: false });
}

/** Builds a case; everything not given is a plain JSON POST to the ingest API. */
export function requestCase(c: Partial<RequestCase> & Pick<RequestCase, "path" | "label" | "expect">): RequestCase {
  return printable({ target: "ingest", method: "POST", headers: {}, ...c });
}
