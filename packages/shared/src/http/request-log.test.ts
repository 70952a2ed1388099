import { createServer, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../logger.js";
import { createHttpApp } from "./create-http-app.js";
import { createMetricsRegistry } from "./metrics.js";
import type { Registry } from "prom-client";

let server: Server;
let url: string;
let registry: Registry;
let lines: Record<string, unknown>[] = [];
const answered: string[] = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n")) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  registry = createMetricsRegistry("test");
  const app = createHttpApp({
    logger: createLogger("test", "info", sink),
    registry,
    readiness: {},
    onAnswered: (req, res) => answered.push(`${req.method} ${req.path} ${res.statusCode}`),
    routes: (router) => {
      router.get("/v1/things/:id", (req, res) => {
        req.log.info({ thing: req.params.id }, "looked a thing up");
        res.json({ ok: true });
      });
      router.get("/v1/fail", () => {
        throw new Error("boom");
      });
      // Answers only after the client has gone.
      router.get("/v1/slow", (req, res) => void req.socket.once("close", () => res.end()));
    },
  });
  server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  lines = [];
  answered.length = 0;
});

/**
 * The log's lines once `done` holds: the answer's "close" runs after the client has the answer, so
 * wait for it (a request's line, if any, is written in the same listener that calls onAnswered).
 */
async function settled(done: () => boolean): Promise<Record<string, unknown>[]> {
  for (const deadline = Date.now() + 5000; !done() && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(done(), "the request log to settle").toBe(true);
  return lines;
}

describe("request log", () => {
  it("gives each request an id, on the answer and on every line logged about it, and one completion line", async () => {
    const res = await fetch(`${url}/v1/things/7?x=1`, { headers: { authorization: "Bearer secret-key", cookie: "s=secret" } });
    const id = res.headers.get("x-request-id");
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const logged = await settled(() => answered.length === 1);
    expect(logged.map((l) => l.msg)).toEqual(["looked a thing up", "request completed"]);
    expect(logged.every((l) => l.reqId === id)).toBe(true);
    expect(logged[1]).toMatchObject({ level: 30, method: "GET", url: "/v1/things/7?x=1", status: 200, ms: expect.any(Number) });
    // No header is logged, so no credential can be.
    expect(JSON.stringify(logged)).not.toMatch(/secret/);
    expect(answered).toEqual(["GET /v1/things/7 200"]);
  });

  it("keeps a sane X-Request-Id the client sent, and replaces one that is not", async () => {
    expect((await fetch(`${url}/v1/things/1`, { headers: { "x-request-id": "client-id-42" } })).headers.get("x-request-id")).toBe("client-id-42");
    const odd = (await fetch(`${url}/v1/things/1`, { headers: { "x-request-id": "a b\u00e9" } })).headers.get("x-request-id");
    expect(odd).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("logs a 500 at error level, and probes and scrapes not at all", async () => {
    expect((await fetch(`${url}/v1/fail`)).status).toBe(500);
    await fetch(`${url}/healthz`);
    await fetch(`${url}/metrics`);
    const completions = (await settled(() => answered.length === 3)).filter((l) => l.msg === "request completed");
    expect(completions.map((l) => [l.url, l.status, l.level])).toEqual([["/v1/fail", 500, 50]]);
  });

  it("times every answer by route pattern, and counts a request left before its answer as aborted", async () => {
    await fetch(`${url}/v1/things/9`);
    // The client gives up after 200 ms: its socket closes, and only then does the route answer.
    const socket = connect((server.address() as AddressInfo).port, "127.0.0.1");
    socket.write("GET /v1/slow HTTP/1.1\r\nHost: x\r\n\r\n");
    await new Promise((resolve) => setTimeout(resolve, 200));
    socket.destroy();
    const logged = await settled(() => lines.some((l) => l.url === "/v1/slow"));
    expect(logged.find((l) => l.url === "/v1/slow")).toMatchObject({ msg: "request aborted before its answer was sent" });
    const metrics = await registry.metrics();
    expect(metrics).toMatch(/http_request_duration_seconds_count\{service="test",method="GET",route="\/v1\/things\/:id",status="200"\} [1-9]/);
    expect(metrics).toMatch(/http_request_duration_seconds_count\{service="test",method="GET",route="\/v1\/slow",status="aborted"\} 1/);
    expect(answered).not.toContain("GET /v1/slow 200");
  });
});
