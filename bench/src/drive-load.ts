import { randomBytes } from "node:crypto";
import autocannon from "autocannon";
import { bodySource, CONTENT_TYPES, PATHS, type BodyShape } from "./bodies.js";
import { Samples, summarize, type Latency } from "./stats.js";

/**
 * A load driver task (run in the driver process): autocannon against one server, either POSTing generated
 * bodies (a new body, with new uuids, for every request — which NOTES' `[<id>]` trick cannot do:
 * autocannon's ids are hyperid strings, not UUIDs, so ingest would answer 422) or GETting a list of
 * paths in turn.
 */
export interface LoadInput {
  url: string;
  connections: number;
  /** How long, unless `amount` is given. */
  seconds: number;
  /** Stop after this many requests instead. */
  amount?: number;
  post?: BodyShape;
  get?: string[];
}

export interface LoadResult {
  startedAt: number;
  seconds: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** Of 2xx answers only. */
  latency: Latency;
}

export async function driveLoad({ url, connections, seconds, amount, post, get }: LoadInput): Promise<LoadResult> {
  let setupRequest: (req: autocannon.Request) => autocannon.Request;
  if (post) {
    const next = bodySource(post);
    const headers = { "content-type": CONTENT_TYPES[post.kind] };
    // A key per request: what a client retrying safely sends.
    const keyPrefix = `bench-${randomBytes(8).toString("hex")}`;
    let keys = 0;
    const headersOf = post.kind === "message-keyed" ? () => ({ ...headers, "idempotency-key": `${keyPrefix}-${keys++}` }) : () => headers;
    setupRequest = (req) => ({ ...req, method: "POST", path: PATHS[post.kind], headers: headersOf(), body: next() });
  } else if (get && get.length > 0) {
    let i = 0;
    setupRequest = (req) => ({ ...req, method: "GET", path: get[i++ % get.length] });
  } else {
    throw new Error("driveLoad needs post or get");
  }
  const latencies = new Samples();
  const startedAt = Date.now();
  const started = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    // sampleInt: autocannon notices the end of a run only on its sampling tick (1 s by default).
    const options = { url, connections, duration: seconds, amount, timeout: 30, sampleInt: 100, requests: [{ setupRequest }] };
    const instance = autocannon(options, (error, done) =>
      error ? reject(error as Error) : resolve(done),
    );
    // autocannon's own histogram keeps whole milliseconds; these are the exact times.
    instance.on("response", (_client, status, _bytes, ms) => {
      if (status >= 200 && status < 300) latencies.push(ms);
    });
  });
  const elapsed = (performance.now() - started) / 1000;
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => [code, count ?? 0]));
  return {
    startedAt,
    seconds: elapsed,
    ok: result["2xx"],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    latency: summarize(latencies.toArray()),
  };
}

