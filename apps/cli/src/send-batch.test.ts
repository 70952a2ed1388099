import { describe, expect, it } from "vitest";
import { RequestFailed, type HttpAnswer, type Post } from "./http-post.js";
import { RetryBudget } from "./retry-policy.js";
import { sendBatch } from "./send-batch.js";

const request = { url: "http://api.test/v1/messages", headers: {}, body: Buffer.from("[]") };
const accepted = (n: number): HttpAnswer => ({ status: 202, headers: {}, body: JSON.stringify({ accepted: n }) });
const busy = (status = 429, retryAfter = "0"): HttpAnswer => ({ status, headers: { "retry-after": retryAfter }, body: JSON.stringify({ title: "Too many requests", detail: "busy" }) });
const problem = (status: number, title: string, extra = {}): HttpAnswer => ({ status, headers: {}, body: JSON.stringify({ type: "t", title, status, detail: "d", ...extra }) });
const lost = () => new RequestFailed("ECONNRESET: socket hang up", true);
const refused = () => new RequestFailed("ECONNREFUSED: connect ECONNREFUSED", false);

/** A transport answering from a script, one entry per request. */
function scripted(...answers: (HttpAnswer | Error)[]): Post & { calls: number } {
  const post = async () => {
    post.calls++;
    const next = answers.shift();
    if (next === undefined) throw new Error("no more answers scripted");
    if (next instanceof Error) throw next;
    return next;
  };
  post.calls = 0;
  return post;
}

/** A budget on a fake clock that a wait moves forward: the tests take no real time. */
function deps(post: Post, maxWaitMs = 60_000) {
  let now = 0;
  const time = { clock: () => now, sleep: async (ms: number) => (now += ms) };
  return { post, budget: new RetryBudget(maxWaitMs, time), stats: { requests: 0, retries: 0, replays: 0 }, clock: time.clock };
}

describe("sendBatch", () => {
  it("waits out 429 and 503, then counts the batch accepted", async () => {
    const d = deps(scripted(busy(429), busy(503), accepted(3)));
    expect(await sendBatch(request, "counters", 3, d)).toEqual({ result: "accepted", accepted: 3 });
    expect(d.stats).toEqual({ requests: 3, retries: 2, replays: 0 });
    expect(d.budget.waited()).toBe(200); // Retry-After: 0 still waits the 100 ms floor, twice
  });

  it("does not retry another 4xx: the batch is rejected with the problem", async () => {
    const post = scripted(problem(422, "Validation failed", { errors: [{ path: "[1].amount", message: "bad" }] }));
    const d = deps(post);
    expect(await sendBatch(request, "messages", 2, d)).toEqual({
      result: "rejected",
      problem: { status: 422, title: "Validation failed", detail: "d", errors: [{ path: "[1].amount", message: "bad" }] },
    });
    expect(post.calls).toBe(1);
  });

  it("retries a connection that was never made, for any kind, and stays unambiguous", async () => {
    expect(await sendBatch(request, "flows", 1, deps(scripted(refused(), accepted(1))))).toEqual({ result: "accepted", accepted: 1 });
  });

  it("retries messages lost in transit as often as it takes: their uuids count once", async () => {
    const d = deps(scripted(lost(), lost(), accepted(5)));
    expect(await sendBatch(request, "messages", 5, d)).toEqual({ result: "accepted", accepted: 5 });
    expect(d.stats.retries).toBe(2);
  });

  it("retries counters lost in transit once, and calls the outcome ambiguous", async () => {
    const retried = await sendBatch(request, "counters", 4, deps(scripted(lost(), accepted(4))));
    expect(retried).toMatchObject({ result: "ambiguous", reason: expect.stringMatching(/possibly counted twice/) });
    const post = scripted(lost(), lost(), accepted(4));
    expect(await sendBatch(request, "flows", 4, deps(post))).toMatchObject({ result: "ambiguous" });
    expect(post.calls).toBe(2);
  });

  it("treats a 500 like a request lost in transit", async () => {
    expect(await sendBatch(request, "counters", 1, deps(scripted(problem(500, "Internal"), problem(502, "Bad gateway"))))).toMatchObject({ result: "ambiguous" });
  });

  it("products: a 202 on the retry proves the lost attempt did not land; a 403 says it probably did", async () => {
    expect(await sendBatch(request, "products", 0, deps(scripted(lost(), accepted(10))))).toEqual({ result: "accepted", accepted: 10 });
    expect(await sendBatch(request, "products", 0, deps(scripted(lost(), problem(403, "Duplicate body"))))).toMatchObject({ result: "ambiguous" });
    expect(await sendBatch(request, "products", 0, deps(scripted(problem(403, "Duplicate body"))))).toMatchObject({ result: "rejected" });
  });

  describe("with an Idempotency-Key", () => {
    const keyed = { ...request, headers: { "idempotency-key": "load-0123456789abcdef-7" } };
    const replayed = (n: number): HttpAnswer => ({ ...accepted(n), headers: { "idempotent-replayed": "true" } });

    it("retries counters and flows lost in transit as often as it takes, and they are accepted once", async () => {
      const d = deps(scripted(lost(), problem(502, "Bad gateway"), lost(), replayed(4)));
      expect(await sendBatch(keyed, "counters", 4, d)).toEqual({ result: "accepted", accepted: 4 });
      expect(d.stats).toEqual({ requests: 4, retries: 3, replays: 1 });
      expect(await sendBatch(keyed, "flows", 2, deps(scripted(lost(), accepted(2))))).toEqual({ result: "accepted", accepted: 2 });
    });

    it("waits out a 409 (the key still in flight), like a 429", async () => {
      const d = deps(scripted(busy(409, "1"), replayed(3)));
      expect(await sendBatch(keyed, "counters", 3, d)).toEqual({ result: "accepted", accepted: 3 });
      expect(d.budget.waited()).toBe(1000);
    });

    it("products: a replayed 202 after a lost attempt is accepted, not ambiguous", async () => {
      expect(await sendBatch(keyed, "products", 0, deps(scripted(lost(), replayed(10))))).toEqual({ result: "accepted", accepted: 10 });
    });
  });

  it("gives up once the API has taken nothing for --max-wait, and sends nothing more after that", async () => {
    const d = deps(scripted(busy(429, "1"), busy(429, "1")), 1500);
    expect(await sendBatch(request, "messages", 1, d)).toEqual({ result: "not-sent", reason: expect.stringMatching(/^gave up: .*--max-wait \(1\.5 s\); last answer: 429 Too many requests: busy$/) });
    expect(d.stats.requests).toBe(2);
    expect(await sendBatch(request, "messages", 1, { ...d, post: scripted() })).toMatchObject({ result: "not-sent" });
    expect(d.stats.requests).toBe(2);
  });
});
