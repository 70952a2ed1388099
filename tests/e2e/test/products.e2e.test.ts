import { readFileSync } from "node:fs";
import { request } from "node:http";
import type { Product } from "@tally/client";
import { eventually, startSystem, type System } from "@tally/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientsOf, ok } from "./clients.js";

describe("products, end to end", () => {
  let system: System;
  let api: ReturnType<typeof clientsOf>;
  beforeAll(async () => {
    system = await startSystem();
    api = clientsOf(system);
    await system.start("aggregator-worker");
  });
  afterAll(() => system.stop());

  const postProducts = (body: Product[]) => api.ingest.POST("/v1/products", { body });
  const product = (id: string) => api.query.GET("/v1/products/{id}", { params: { path: { id } } });

  it("applies an accepted body, refuses it repeated, and lets a later body replace a product", async () => {
    const first = [{ id: 1, name: "kettle", price: "20.00" }, { id: "sku-2", name: "mug" }];
    const accepted = await postProducts(first);
    expect([accepted.response.status, accepted.data]).toEqual([202, { accepted: 2 }]);
    const refused = await postProducts(first);
    expect([refused.response.status, refused.error?.title]).toEqual([403, "Duplicate body"]);

    // The 202's Location is the upload's status in the query API.
    const uploadId = /^\/v1\/products\/uploads\/([0-9a-f-]{36})$/.exec(accepted.response.headers.get("location") ?? "")?.[1];
    expect(uploadId).toBeDefined();
    const upload = await eventually(async () => {
      const status = await ok(api.query.GET("/v1/products/uploads/{id}", { params: { path: { id: uploadId! } } }));
      return status.status === "applied" ? status : undefined;
    });
    expect(upload).toMatchObject({ id: uploadId, products: 2, failedAt: null, reason: null });

    const kettle = await ok(product("1"));
    expect(kettle).toMatchObject({ id: 1, data: { id: 1, name: "kettle", price: "20.00" } });

    expect((await postProducts([{ id: "1", name: "kettle", price: "18.00" }])).response.status).toBe(202);
    const cheaper = await eventually(async () => {
      const p = await ok(product("1"));
      return p.data.price === "18.00" ? p : undefined;
    });
    expect(cheaper.id).toBe("1");
    expect(Date.parse(cheaper.updatedAt)).toBeGreaterThan(Date.parse(kettle.updatedAt));
    const missing = await product("nope");
    expect([missing.response.status, missing.error?.status]).toEqual([404, 404]);
  });
});

describe("small bodies (the fast path, through Redis) and large ones (staged in Postgres) together", () => {
  let system: System;
  let api: ReturnType<typeof clientsOf>;
  beforeAll(async () => {
    system = await startSystem(); // no worker until the test starts one: uploads stay pending
    api = clientsOf(system);
  });
  afterAll(() => system.stop());

  const post = (body: Product[]) => api.ingest.POST("/v1/products", { body });
  const status = (id: string) => api.query.GET("/v1/products/uploads/{id}", { params: { path: { id } } });
  const uploadIdOf = (res: Response) => res.headers.get("location")?.split("/").at(-1) ?? "";
  /** Over the default 256 KiB threshold: streamed through Postgres staging. */
  const large = (id: string, v: string): Product[] => [{ id, v, pad: "x".repeat(300_000) }];
  const small = (id: string, v: string): Product[] => [{ id, v }];

  it("answers a small upload pending until a worker applies it, keeps the later accepted body of each product, and refuses repeats across paths", async () => {
    const first = await post(small("mix-a", "1 small"));
    expect(first.response.status).toBe(202);
    const firstId = uploadIdOf(first.response);
    expect(await ok(status(firstId))).toMatchObject({ id: firstId, status: "pending", products: 1, appliedAt: null });
    const unknown = await status("00000000-0000-4000-8000-000000000000");
    expect(unknown.response.status).toBe(404);

    for (const body of [large("mix-a", "2 large"), small("mix-a", "3 small"), large("mix-b", "1 large"), small("mix-b", "2 small"), large("mix-b", "3 large")]) {
      expect((await post(body)).response.status).toBe(202);
    }
    // The same bytes again, on either path: refused.
    expect((await post(small("mix-a", "3 small"))).response.status).toBe(403);
    expect((await post(large("mix-b", "3 large"))).response.status).toBe(403);

    await system.start("aggregator-worker");
    await eventually(async () => ((await ok(status(firstId))).status === "applied" ? true : undefined));
    const final = await eventually(async () => {
      const [a, b] = await Promise.all(["mix-a", "mix-b"].map((id) => ok(api.query.GET("/v1/products/{id}", { params: { path: { id } } }))));
      return a?.data.v === "3 small" && b?.data.v === "3 large" ? [a, b] : undefined;
    });
    expect(final).toHaveLength(2);
  });
});

describe("a products body far larger than the ingest process's heap", () => {
  let system: System;
  beforeAll(async () => {
    // A 48 MB heap: buffering the body, or anything growing with it, would crash the process.
    system = await startSystem({ env: { NODE_OPTIONS: "--max-old-space-size=48" } });
  });
  afterAll(() => system.stop());

  it("streams through, and the process's peak RSS stays far below the body's size", async () => {
    const targetBytes = 200 * 1024 * 1024;
    const { status, sent } = await streamProducts(new URL(system.ingestUrl), targetBytes);
    expect(status).toBe(202);
    expect(sent).toBeGreaterThan(targetBytes);
    const pid = system.apps[0]?.child.pid;
    const peakKiB = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
    expect(peakKiB / 1024).toBeLessThan(160);
    // ~15 s alone; a 48 MB heap makes it GC-bound, so a busy machine can take several times that.
  }, 240_000);
});

/** POSTs a generated JSON array of about `targetBytes` without ever holding it whole. */
function streamProducts(url: URL, targetBytes: number): Promise<{ status: number; sent: number }> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let id = 0;
    const req = request({ host: url.hostname, port: url.port, method: "POST", path: "/v1/products", headers: { "content-type": "application/json" } }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, sent }));
    });
    req.on("error", reject);
    const next = (): Buffer | undefined => {
      if (sent >= targetBytes) return undefined;
      const items = Array.from({ length: 500 }, () => JSON.stringify({ id: id++, name: `product ${id}`, description: "x".repeat(200) }));
      const chunk = Buffer.from((id === 500 ? "[" : ",") + items.join(","));
      sent += chunk.length;
      return chunk;
    };
    const pump = () => {
      for (let chunk = next(); chunk; chunk = next()) if (!req.write(chunk)) return void req.once("drain", pump);
      req.end("]");
    };
    pump();
  });
}
