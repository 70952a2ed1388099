import { createHash } from "node:crypto";
import { HttpError } from "@tally/shared/http";
import { describe, expect, it } from "vitest";
import { meteredBody } from "../body/metered-body.js";
import { readProducts, readWholeProducts } from "./read-products.js";

const limits = { maxProductBytes: 100_000 };

async function* chunked(text: string, size: number, encoding: BufferEncoding = "utf8"): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(text, encoding);
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** Each staged chunk as its first position and its JSON text, read once its (slow) insert is done. */
async function read(text: string, size = 4096, l = limits) {
  const chunks: { firstPosition: number; json: string }[] = [];
  const result = await readProducts(chunked(text, size), l, async ({ firstPosition, json }) => {
    // A slow database: chunks must still arrive in order, and a chunk's memory stay its own until then.
    await new Promise((r) => setTimeout(r, 1));
    chunks.push({ firstPosition, json: json.toString() });
  });
  return { ...result, chunks };
}

describe("readProducts", () => {
  it("stages every product in order, in batches of at most 2000, and digests the exact bytes", async () => {
    const text = ` [${Array.from({ length: 4500 }, (_, i) => JSON.stringify({ id: i % 7 === 0 ? `s${i}` : i, v: "x" }))}]\n`;
    const { digest, count, chunks } = await read(text, 1000);
    expect(count).toBe(4500);
    expect(digest).toBe(createHash("sha256").update(text).digest("hex"));
    const staged = chunks.map((c) => ({ firstPosition: c.firstPosition, products: JSON.parse(c.json) as { id: unknown }[] }));
    expect(staged.map((c) => [c.firstPosition, c.products.length])).toEqual([
      [0, 2000],
      [2000, 2000],
      [4000, 500],
    ]);
    expect(staged.flatMap((c) => c.products.map((p) => p.id))).toEqual(Array.from({ length: 4500 }, (_, i) => (i % 7 === 0 ? `s${i}` : i)));
  });

  it("stages each product's exact bytes, without the whitespace between them", async () => {
    const { chunks } = await read('\n[ {"id":1, "a" : [1.50] } ,\n\t{"id":"é"}\r\n]', 7);
    expect(chunks).toEqual([{ firstPosition: 0, json: '[{"id":1, "a" : [1.50] },{"id":"é"}]' }]);
  });

  it("starts a new chunk at 1 MB, with a product larger than the memory it had", async () => {
    const big = (id: number) => JSON.stringify({ id, pad: "y".repeat(90_000) });
    const { chunks } = await read(`[${Array.from({ length: 13 }, (_, i) => big(i))}]`, 65_536);
    expect(chunks.map((c) => c.firstPosition)).toEqual([0, 12]);
    expect(chunks.map((c) => c.json)).toEqual([`[${Array.from({ length: 12 }, (_, i) => big(i))}]`, `[${big(12)}]`]);
  });

  it("gives the same digest whatever the chunking, and another one for one byte more", async () => {
    const text = '[{"id":1},{"id":2}]';
    const digests = await Promise.all([1, 3, 100].map(async (size) => (await read(text, size)).digest));
    expect(new Set(digests).size).toBe(1);
    expect((await read(`${text} `)).digest).not.toBe(digests[0]);
  });

  it("stages nothing once a product is invalid, and names every invalid one", async () => {
    const text = JSON.stringify([{ id: 1 }, { id: null }, ...Array.from({ length: 3000 }, (_, i) => ({ id: i })), { nope: 1 }]);
    const error = await read(text).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).status).toBe(422);
    expect((error as HttpError).extra.errors?.map((e) => e.path)).toEqual(["[1].id", "[3002].id"]);
  });

  it.each([
    ["malformed JSON", '[{"id": 1}, {"id": }]', 400],
    ["a truncated body", '[{"id": 1}, {"id"', 400],
    ["a product over the product limit", JSON.stringify([{ id: 1, pad: "x".repeat(200_000) }]), 413],
  ])("rejects %s with %i", async (_, text, status) => {
    const error = await read(text).catch((e: unknown) => e);
    expect((error as HttpError).status).toBe(status);
  });

  it.each([
    ["an object (the seed's own test body)", '{"id": 1}', 422],
    ["a string", ' "products"', 422],
    ["an object cut short", '{"id": 1', 400],
    ["nothing but whitespace", " \n ", 400],
  ])("answers a body that is not an array, %s, with %i", async (_, text, status) => {
    const error = (await read(text, 3).catch((e: unknown) => e)) as HttpError;
    expect(error.status).toBe(status);
    if (status === 422) expect(error.extra.errors).toEqual([{ path: "", message: "must be a JSON array of products" }]);
  });

  it("names where malformed JSON is, once", async () => {
    const error = (await read('[{"id": 1}, {"id": 2}}]').catch((e: unknown) => e)) as HttpError;
    expect(error.status).toBe(400);
    expect(error.detail).toMatch(/\(at byte 21\)$/);
    expect(error.detail.match(/at byte/g)).toHaveLength(1);
  });

  it("stops reading at the body limit with 413, metered by meteredBody", async () => {
    const text = JSON.stringify(Array.from({ length: 1000 }, (_, i) => ({ id: i })));
    const body = meteredBody(chunked(text, 100), { maxBytes: 500, maxBytesName: "MAX_PRODUCTS_BODY_BYTES", minBytesPerSecond: 1, windowMs: 10_000 });
    const error = await readProducts(body, limits, async () => undefined).catch((e: unknown) => e);
    expect((error as HttpError).status).toBe(413);
    expect((error as HttpError).detail).toContain("MAX_PRODUCTS_BODY_BYTES");
  });
});

describe("readProducts and what Postgres cannot store", () => {
  it.each([
    ["U+0000 in a string", '[{"id": 1}, {"id": 2, "name": "a\\u0000b"}]', "[1].name"],
    ["an unpaired surrogate", '[{"id": 1, "tags": ["ok", "\\ud800"]}]', "[0].tags[1]"],
    ["a lone low surrogate", '[{"id": 1, "t": "\\udc00\\ud800"}]', "[0].t"],
    ["U+0000 in a key", '[{"id": 1, "a\\u0000": 1}]', "[0].a\u0000"],
    ["a number of 20000 digits after the point", `[{"id": 1, "n": 0.${"1".repeat(20_000)}}]`, "[0].n"],
    ["a number below numeric's scale", '[{"id": 1, "x": [1, 1e-20000]}]', "[0].x[1]"],
    ["a number past numeric's range", '[{"id": 1, "x": {"y": 1e131072}}]', "[0].x.y"],
    ["an id that is not exactly an integer", '[{"id": 9007199254740990.5}]', "[0].id"],
    ["nesting one level too deep", `[{"id": "deep", "d": ${"[".repeat(1000)}${"]".repeat(1000)}}]`, `[0].d${"[0]".repeat(999)}`],
  ])("names %s with 422", async (_, text, path) => {
    const error = (await read(text).catch((e: unknown) => e)) as HttpError;
    expect(error.status).toBe(422);
    expect(error.extra.errors?.map((e) => e.path)).toEqual([path]);
  });

  it("accepts what Postgres stores though a double cannot hold it, an escaped backslash before u0000, and a paired surrogate", async () => {
    const text = '[{"id": 1, "a": "\\\\u0000", "b": "\\ud83d\\ude00", "big": 1e400, "tiny": 1e-400, "n": 9007199254740993}, {"id": 1e2}, {"id": 7.0}]';
    expect((await read(text)).count).toBe(3);
  });
});

describe("readProducts and hostile bodies", () => {
  it("takes a product nested as deep as MAX_PRODUCT_DEPTH without overflowing the stack", async () => {
    const deep = `${"[".repeat(999)}1${"]".repeat(999)}`;
    expect((await read(`[{"id": "deep", "d": ${deep}}]`)).count).toBe(1);
  });

  it("answers bytes that are not UTF-8 with 400 instead of storing U+FFFD", async () => {
    const text = Buffer.concat([Buffer.from('[{"id": "a", "name": "'), Buffer.from([0xff]), Buffer.from('"}]')]);
    const batches: unknown[] = [];
    const error = (await readProducts((async function* () { yield text; })(), limits, async (b) => void batches.push(b)).catch((e: unknown) => e)) as HttpError;
    expect(error.status).toBe(400);
    expect(error.detail).toContain("UTF-8");
  });
});

describe("readWholeProducts (the fast path's body, read whole)", () => {
  /** What a reader made of a body: its result, or the answer it threw. */
  const outcome = (reading: Promise<unknown>) =>
    reading.then(
      (result) => ({ result }),
      (error: unknown) => (error instanceof HttpError ? { status: error.status, detail: error.detail, extra: error.extra } : { thrown: String(error) }),
    );
  const streamed = (bytes: Buffer, size: number, dedup: "bytes" | "json") => readProducts(chunked(bytes.toString("latin1"), size, "latin1"), { ...limits, dedup }, async () => undefined);
  const many = (n: number, one: (i: number) => string) => `[${Array.from({ length: n }, (_, i) => one(i)).join(",")}]`;

  it.each([
    ["ten products", many(10, (i) => `{"id":"p-${i}","name":"bench product","price":"12.50","stock":${i}}`)],
    ["spaced, nested, numeric ids", ' [ {"id": 1, "n": {"a": [1, 2]}} ,\n {"id":"sku-2"} ] \n'],
    ["an invalid product", '[{"id": 1}, {"name": "no id"}, {"id": 3}]'],
    ["malformed JSON after an invalid product", '[{"id": null}, {"id": 2}}]'],
    ["malformed JSON", '[{"id": 1}, {"id": }]'],
    ["a product that is not JSON", '[{"id": 1}, {"id" 2}]'],
    ["a truncated body", '[{"id": 1}, {"id"'],
    ["an empty array", " [ ] "],
    ["an empty body", ""],
    ["whitespace", " \n "],
    ["an object", '{"id": 1}'],
    ["an object cut short", '{"id": 1'],
    ["a string", ' "products"'],
    ["trailing bytes", '[{"id": 1}] x'],
    ["a product over the product limit", JSON.stringify([{ id: 1, pad: "x".repeat(200_000) }])],
    ["U+0000", '[{"id": 1}, {"id": 2, "name": "a\\u0000b"}]'],
    ["more invalid products than are listed, then malformed JSON", `${many(150, () => '{"id": null}').slice(0, -1)}, {]`],
    ["more invalid products than are listed", many(150, (i) => (i % 2 ? '{"id": null}' : `{"id": ${i}}`))],
  ])("answers %s as readProducts does, whatever its chunks", async (_, text) => {
    for (const dedup of ["bytes", "json"] as const) {
      const bytes = Buffer.from(text);
      const whole = await outcome(readWholeProducts(bytes, { ...limits, dedup }));
      for (const size of [1, 7, 1 << 20]) expect(await outcome(streamed(bytes, size, dedup))).toEqual(whole);
    }
  });

  it("answers bytes that are not UTF-8 as readProducts does", async () => {
    const bytes = Buffer.concat([Buffer.from('[{"id": "a", "name": "'), Buffer.from([0xff]), Buffer.from('"}]')]);
    const whole = await outcome(readWholeProducts(bytes, limits));
    expect(whole).toMatchObject({ status: 400 });
    expect(await outcome(streamed(bytes, 5, "bytes"))).toEqual(whole);
  });
});
