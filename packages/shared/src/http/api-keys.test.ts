import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../logger.js";
import { createHttpApp } from "./create-http-app.js";
import { createMetricsRegistry } from "./metrics.js";

const KEY = "k-0123456789abcdef-secret";
const OTHER = "k-fedcba9876543210-other";
let server: Server;
let url: string;
let logs = "";

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs += chunk.toString();
      done();
    },
  });
  const app = createHttpApp({
    logger: createLogger("test", "info", sink),
    registry: createMetricsRegistry("test"),
    readiness: {},
    apiKeys: [OTHER, KEY],
    routes: (router) => router.get("/v1/thing", (_req, res) => void res.json({ ok: true })),
  });
  server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("API keys", () => {
  it("lets a request with one of the keys through", async () => {
    for (const key of [KEY, OTHER]) {
      const res = await fetch(`${url}/v1/thing`, { headers: { authorization: `Bearer ${key}` } });
      expect(res.status).toBe(200);
    }
  });

  it.each([
    ["no key", undefined],
    ["a wrong key", `Bearer ${KEY}x`],
    ["a prefix of a key", `Bearer ${KEY.slice(0, -1)}`],
    ["another scheme", `Basic ${KEY}`],
  ])("answers %s with 401 problem+json and WWW-Authenticate", async (_, authorization) => {
    const res = await fetch(`${url}/v1/thing`, { headers: authorization ? { authorization } : {} });
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="tally"');
    expect(await res.json()).toMatchObject({ status: 401, title: "Unauthorized" });
  });

  it("keeps health, readiness and metrics open", async () => {
    for (const path of ["/healthz", "/readyz", "/metrics"]) expect((await fetch(`${url}${path}`)).status).toBe(200);
  });

  it("never writes a key to the logs", async () => {
    await fetch(`${url}/v1/thing`, { headers: { authorization: `Bearer ${KEY}`, "x-request-id": "log-check" } });
    await new Promise((r) => setTimeout(r, 50));
    expect(logs).toContain("log-check");
    expect(logs).not.toContain(KEY);
    expect(logs).not.toContain(OTHER);
  });
});
