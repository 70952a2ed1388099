import fc from "fast-check";
import { requestCase, type RequestCase, type Target } from "../request-case.js";
import { requestIdHeader } from "./envelopes.js";
import { storableString } from "./values.js";

/** Every route each app serves, with the methods it takes. */
const KNOWN_ROUTES: Record<Target, { path: string; methods: string[] }[]> = {
  ingest: [
    ...["/v1/messages", "/v1/counters", "/api/events", "/v1/flows", "/flows", "/v1/products"].map((path) => ({ path, methods: ["POST"] })),
    ...["/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"].map((path) => ({ path, methods: ["GET", "HEAD"] })),
  ],
  query: [
    ...["/v1/stats/messages", "/v1/stats/domains/top", "/v1/flows", "/flows", "/v1/products/1", "/stats/minutes", "/stats/hours", "/api/stats/minutes", "/api/stats/hours", "/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/dashboard", "/v1/dashboard/summary"].map(
      (path) => ({ path, methods: ["GET", "HEAD"] }),
    ),
  ],
};

/** Methods Node's HTTP parser takes (others never reach the app). CONNECT is left out: Node handles it apart. */
const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND", "MKCOL", "SEARCH", "PURGE", "LOCK", "COPY", "MOVE", "REPORT", "LINK"];

/** First segments no route starts with, scanner favourites among them. */
const UNKNOWN_FIRST = ["x", "_", "v2", "v0", "api2", "static", ".env", "admin", "wp-login.php", "%2e%2e", "..%2f", "%00", "%ZZ", "v1%2fmessages", "%76%31", "graphql", "..", "favicon.ico"];

/** Requests no route answers: 404. */
function unknownPaths(target: Target): fc.Arbitrary<RequestCase> {
  return fc
    .tuple(fc.constantFrom(...UNKNOWN_FIRST), fc.array(storableString(0, 20).map(encodeURIComponent), { maxLength: 4 }), fc.constantFrom(...METHODS), fc.constantFrom("", "?a=1", "?%ZZ", "/"), requestIdHeader, fc.option(fc.uint8Array({ maxLength: 200 })))
    .map(([first, rest, method, tail, extra, body]) =>
      requestCase({
        target,
        method,
        path: `/${[first, ...rest].join("/")}${tail}`,
        label: "unknown-route",
        headers: extra,
        expect: [404],
        ...(body && method !== "GET" && method !== "HEAD" ? { body: Buffer.from(body) } : {}),
      }),
    );
}

/** A route that exists, asked with a method it does not take: 405 with Allow. */
function wrongMethods(target: Target): fc.Arbitrary<RequestCase> {
  return fc
    .tuple(fc.constantFrom(...KNOWN_ROUTES[target]), fc.constantFrom(...METHODS), fc.constantFrom("", "/", "?a=1"), fc.boolean(), requestIdHeader)
    .filter(([route, method]) => !route.methods.includes(method))
    .map(([route, method, tail, upper, extra]) =>
      requestCase({
        target,
        method,
        // Routes match regardless of case and of a trailing slash.
        path: `${upper ? route.path.toUpperCase() : route.path}${tail}`,
        label: "wrong-method",
        headers: extra,
        expect: [405],
      }),
    );
}

export function unknownRoutesAndMethods(target: Target): fc.Arbitrary<RequestCase> {
  return fc.oneof(unknownPaths(target), wrongMethods(target));
}
