import { request } from "node:http";
import { cheapestOf, expectProblem, measureCost, rawHttp } from "@tally/testing";
import { sql } from "kysely";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startIngest, type Ingest } from "./ingest-harness.js";

/**
 * Requests an attacker would send, each answered as the contract says AND cheaply: the time it took,
 * and how long it held the event loop (every other request of the process waits that long), are
 * asserted, not only the status. The ingest app runs in this process, so its loop is ours to measure.
 */

/** Far below the seconds these took before; far above what a busy CI machine adds to a few ms of work. */
const MAX_LOOP_DELAY_MS = 150;
/** Each costly request is tried up to this often: a stall of the machine passes, a costly request does not. */
const ATTEMPTS = 5;
const FIVE_MB = 5 * 1024 * 1024;

/** A JSON array of `item` repeated to just under `bytes`. */
const arrayOf = (item: string, bytes: number) => `[${Array(Math.floor(bytes / (item.length + 1)) - 1).fill(item).join(",")}]`;

let ingest: Ingest;
beforeAll(async () => {
  ingest = await startIngest({ MAX_BODY_BYTES: String(FIVE_MB) });
});
afterAll(() => ingest.close());
beforeEach(async () => {
  await Promise.all([ingest.queues.messages.drain(true), ingest.queues.counters.drain(true), ingest.queues.flows.drain(true)]);
});

describe("a body at the size limit costs what its first hundred errors cost", () => {
  it.each([
    ["/v1/messages", "all numbers", "1"],
    ["/v1/messages", "small invalid objects", '{"a":1,"b":[1,2]}'],
    ["/v1/counters", "all numbers", "1"],
    ["/v1/counters", "small invalid objects", '{"a":1,"b":[1,2]}'],
    ["/v1/flows", "empty objects", "{}"],
  ])("%s with 5 MB of %s: 422 listing 100 errors, fast, without holding the event loop", async (path, _, item) => {
    const body = arrayOf(item, FIVE_MB);
    const budget = { ms: 1000, maxLoopDelayMs: MAX_LOOP_DELAY_MS };
    const { result: res, ms, maxLoopDelayMs } = await cheapestOf(ATTEMPTS, budget, () => ingest.post(path, body));
    const problem = await expectProblem(res, 422);
    // Validation stops at the item that takes the count to 100 or more.
    expect(problem.errors).toHaveLength(100);
    expect(problem.detail).toMatch(/^at least 1\d\d invalid fields \(validation stopped there\)/);
    expect(ms).toBeLessThan(budget.ms);
    expect(maxLoopDelayMs).toBeLessThan(budget.maxLoopDelayMs);
  });

  it("parses a large valid body in slices: 9,000 messages in one request are accepted without holding the loop", async () => {
    const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
    const messages = Array.from({ length: 9000 }, (_, i) => ({ customerId: i, type: "A", amount: "1.000", uuid: uuid(i), note: "x".repeat(400) }));
    // The uuids repeat across attempts, so a second attempt queues nothing new.
    const budget = { ms: 10_000, maxLoopDelayMs: MAX_LOOP_DELAY_MS };
    const { result: res, maxLoopDelayMs } = await cheapestOf(ATTEMPTS, budget, () => ingest.post("/v1/messages", messages));
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 9000 });
    expect(maxLoopDelayMs).toBeLessThan(MAX_LOOP_DELAY_MS);
  });

  it("refuses more than MAX_ITEMS_PER_REQUEST items with 413 naming the limit, and queues nothing", async () => {
    const counters = Array.from({ length: 10_001 }, (_, i) => ({ timestamp: i, a: 1 }));
    const problem = await expectProblem(await ingest.post("/v1/counters", counters), 413);
    expect(problem.detail).toContain("MAX_ITEMS_PER_REQUEST");
    expect(await ingest.counterJobs()).toEqual([]);
  });

  it.each([
    ["one item", JSON.stringify({ customerId: 1, type: "A", amount: "1", uuid: "x", pad: "x".repeat(70_000) })],
    ["an item of an array", JSON.stringify([{ customerId: 1 }, { pad: "x".repeat(70_000) }])],
  ])("refuses %s over MAX_ITEM_BYTES with 413, before parsing it", async (_, body) => {
    const problem = await expectProblem(await ingest.post("/v1/messages", body), 413);
    expect(problem.detail).toContain("MAX_ITEM_BYTES");
  });
});

describe("limits announced in the headers are enforced before the body is read", () => {
  it("answers Content-Length over the limit with 413 at once", async () => {
    const head = "POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 999999999999\r\n\r\n";
    const { result, ms } = await measureCost(() => rawHttp(ingest.url, `${head}[{"customerId":`, { responses: 1 }));
    const [res] = result.responses;
    expect(res?.status).toBe(413);
    expect(res?.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res!.body).detail).toContain("MAX_BODY_BYTES");
    expect(ms).toBeLessThan(1000);
  });

  it("still delivers a large early answer whole while the client is sending, then cuts the connection", async () => {
    // 5 MB of products each nested one level too deep: a 422 of 100 long paths, sent before most of the body.
    const product = `{"id":1,"d":${"[".repeat(1000)}${"]".repeat(1000)}}`;
    const body = `[${Array(2500).fill(product).join(",")}]`;
    const res = await ingest.post("/v1/products", body);
    const problem = await expectProblem(res, 422);
    expect(problem.errors).toHaveLength(100);
  });

  it("cuts a chunked body (no Content-Length) with 413 as soon as it passes the limit, and queues nothing", async () => {
    const messages = Array.from({ length: 9000 }, (_, i) => ({ customerId: i, type: "A", amount: "1.000", uuid: "00000000-0000-4000-8000-000000000001", pad: "x".repeat(600) }));
    const body = Buffer.from(JSON.stringify(messages));
    expect(body.length).toBeGreaterThan(FIVE_MB);
    const res = await fetch(`${ingest.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new ReadableStream({
        start(controller) {
          for (let at = 0; at < body.length; at += 64 * 1024) controller.enqueue(body.subarray(at, at + 64 * 1024));
          controller.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    const problem = await expectProblem(res, 413);
    expect(problem.detail).toContain("MAX_BODY_BYTES");
    expect(await ingest.messageJobs()).toEqual([]);
  });

  it("answers Expect: 100-continue with 413 instead of 100 when the declared length is over the limit", async () => {
    const head = "POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: 6000000\r\n\r\n";
    const { responses } = await rawHttp(ingest.url, head);
    expect(responses.map((r) => r.status)).toEqual([413]);
  });

  it("sends 100 Continue to a body it will read, then accepts it", async () => {
    const body = JSON.stringify({ customerId: 1, type: "A", amount: "1", uuid: "00000000-0000-4000-8000-000000000001" });
    const head = `POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
    const { responses } = await rawHttp(ingest.url, head, { afterFirstResponse: body });
    expect(responses.map((r) => r.status)).toEqual([100, 202]);
  });

  it("answers Expect: 100-continue with 415 for a body it would not take", async () => {
    const head = "POST /v1/counters HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nExpect: 100-continue\r\nContent-Length: 10\r\n\r\n";
    expect((await rawHttp(ingest.url, head)).responses.map((r) => r.status)).toEqual([415]);
  });

  it("refuses a compressed body with 415 rather than inflating it", async () => {
    const res = await ingest.post("/v1/messages", "{}", { "content-type": "application/json", "content-encoding": "gzip" });
    await expectProblem(res, 415);
  });
});

describe("what node's HTTP parser refuses is answered like everything else", () => {
  it.each([
    ["bad framing", 400, "POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"],
    ["a header block over 16 KiB", 431, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`],
    ["a request line that is not HTTP", 400, "HELLO\r\n\r\n"],
  ])("%s: %i problem+json with an X-Request-Id", async (_, status, request) => {
    const { responses } = await rawHttp(ingest.url, request);
    const [res] = responses;
    expect(res?.status).toBe(status);
    expect(res?.headers["content-type"]).toBe("application/problem+json");
    expect(res?.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(res!.body)).toMatchObject({ status, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
  });

  it("a body that stops halfway: 400 problem+json with the request's own X-Request-Id, nothing queued", async () => {
    const head = "POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Request-Id: half-a-body\r\nContent-Length: 100\r\n\r\n";
    const { responses } = await rawHttp(ingest.url, `${head}[{"customerId": 1,`, { end: true });
    const [res] = responses;
    expect(res?.status).toBe(400);
    expect(res?.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(res?.headers["x-request-id"]).toBe("half-a-body");
    expect(await ingest.messageJobs()).toEqual([]);
  });
});

describe("products that are valid are accepted, whatever their shape", () => {
  it("takes a product holding an array of 150,000 numbers (it answered 500)", async () => {
    const res = await ingest.post("/v1/products", `[{"id":"many-zeros","x":[${Array(150_000).fill(0).join(",")}]}]`);
    expect(res.status).toBe(202);
  });
});

describe("slow uploads cannot starve the process", () => {
  let small: Ingest;
  beforeAll(async () => {
    // The staged path, which holds a database connection per upload and so a slot; the fast path holds neither.
    small = await startIngest({ MAX_CONCURRENT_UPLOADS: "3", MIN_BODY_BYTES_PER_SECOND: "1000", BODY_RATE_WINDOW_MS: "1500", PRODUCTS_FAST_PATH_BYTES: "0" });
  });
  afterAll(() => small.close());

  const SLOW_BODY = `[{"id":"slow","pad":"${"x".repeat(1000)}"}]`;
  /**
   * An upload to `path` that sends one byte every `everyMs` until the server answers: chunked, or with
   * its Content-Length (which a small products body needs to take the fast path).
   */
  const trickle = (everyMs: number, path = "/v1/products", { to = small, withLength = false }: { to?: Ingest; withLength?: boolean } = {}) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const framing = withLength ? { "content-length": String(Buffer.byteLength(SLOW_BODY)) } : { "transfer-encoding": "chunked" };
      const req = request(`${to.url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...framing } });
      const bytes = SLOW_BODY;
      let at = 0;
      const timer = setInterval(() => {
        if (at < bytes.length) req.write(bytes[at++]!);
      }, everyMs);
      req.on("response", (res) => {
        clearInterval(timer);
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", (error) => {
        clearInterval(timer);
        reject(error);
      });
    });

  it("caps concurrent uploads (429 before the body), cuts trickling ones (408), and never touches readiness or other routes", async () => {
    const uploadsBefore = await small.db.selectFrom("product_uploads").select(sql<string>`count(*)`.as("n")).executeTakeFirstOrThrow();
    const slow = Array.from({ length: 3 }, () => trickle(200));
    await new Promise((r) => setTimeout(r, 300)); // the three hold every slot now
    const meanwhile = await measureCost(async () => {
      const over = await small.post("/v1/products", '[{"id":"fast"}]');
      const message = await small.post("/v1/messages", { customerId: 1, type: "A", amount: "1", uuid: "00000000-0000-4000-8000-000000000002" });
      const ready = await fetch(`${small.url}/readyz`);
      return { over, message, ready };
    });
    const over = await expectProblem(meanwhile.result.over, 429);
    expect(meanwhile.result.over.headers.get("retry-after")).toBe("5");
    expect(over.detail).toContain("MAX_CONCURRENT_UPLOADS");
    expect(meanwhile.result.message.status).toBe(202);
    expect(meanwhile.result.ready.status).toBe(200);
    expect(meanwhile.ms).toBeLessThan(1000);

    // 5 bytes a second against a minimum of 1000 a second: cut at the end of the first window, rolled back.
    const answers = await Promise.all(slow);
    expect(answers.map((a) => a.status)).toEqual([408, 408, 408]);
    expect(JSON.parse(answers[0]!.body).detail).toContain("MIN_BODY_BYTES_PER_SECOND");
    const uploadsAfter = await small.db.selectFrom("product_uploads").select(sql<string>`count(*)`.as("n")).executeTakeFirstOrThrow();
    expect(uploadsAfter.n).toBe(uploadsBefore.n);
    // Their slots are free again.
    expect((await small.post("/v1/products", '[{"id":"after"}]')).status).toBe(202);
  });

  it("cuts a messages body that trickles with 408 at the end of the first window, and queues nothing", async () => {
    const jobsBefore = (await small.messageJobs()).length;
    const { result, ms } = await measureCost(() => trickle(200, "/v1/messages"));
    expect(result.status).toBe(408);
    expect(JSON.parse(result.body).detail).toContain("MIN_BODY_BYTES_PER_SECOND");
    expect(ms).toBeGreaterThanOrEqual(1400);
    expect(await small.messageJobs()).toHaveLength(jobsBefore);
  });

  it("cuts a small products body (the fast path: held in memory, no slot) that trickles, with 408, leaving no claim and no job", async () => {
    const fast = await startIngest({ MIN_BODY_BYTES_PER_SECOND: "1000", BODY_RATE_WINDOW_MS: "1500" }, small);
    try {
      const products = () => fast.queues.products.getJobs(["waiting", "prioritized", "delayed"]);
      const jobsBefore = (await products()).length;
      const { result, ms } = await measureCost(() => trickle(200, "/v1/products", { to: fast, withLength: true }));
      expect(result.status).toBe(408);
      expect(JSON.parse(result.body).detail).toContain("MIN_BODY_BYTES_PER_SECOND");
      expect(ms).toBeGreaterThanOrEqual(1400);
      expect(await products()).toHaveLength(jobsBefore);
      // No claim of its digest was left behind: the same bytes, sent whole, are accepted, by the fast path.
      expect((await fast.post("/v1/products", SLOW_BODY)).status).toBe(202);
      expect(await products()).toHaveLength(jobsBefore + 1);
    } finally {
      await fast.close();
    }
  });
});
