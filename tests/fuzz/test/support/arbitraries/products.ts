import fc from "fast-check";
import { Entries, formatPath, jsonText, Raw } from "../json-text.js";
import { requestCase, type RequestCase } from "../request-case.js";
import { BOM, JSON_TYPES, NDJSON_TYPES, cutPoint, invalidUtf8, notJsonBytes, notJsonType, requestIdHeader, spliceInvalidUtf8, truncate, UTF8_MARK } from "./envelopes.js";
import { notAnObject, type Item } from "./items.js";
import { deepNesting, extraFields, MAX_SAFE, nested, nonString, sizedString, storableString, tooLongString, UNSTORABLE_CHARS } from "./values.js";

export interface ProductsLimits {
  maxBodyBytes: number;
  maxProductBytes: number;
}

const PATH = "/v1/products";

const validProductId: fc.Arbitrary<string | number> = fc.oneof(
  { weight: 4, arbitrary: storableString(1, 40) },
  sizedString(400, 512),
  fc.integer({ min: -MAX_SAFE, max: MAX_SAFE }),
  fc.constantFrom(0, 1, -1, MAX_SAFE, -MAX_SAFE),
);

/** A product: an id and any other storable fields, sometimes nested a thousand levels deep. */
function productWith(extras: fc.Arbitrary<[string, unknown][]>): fc.Arbitrary<Entries> {
  return fc.tuple(validProductId, extras, fc.nat()).map(([id, extra, at]) => {
    const entries: [string, unknown][] = [...extra];
    entries.splice(at % (entries.length + 1), 0, ["id", id]);
    return new Entries(entries);
  });
}

/** Products stay far below MAX_PRODUCT_BYTES (20,000 in this suite) unless a case means to pass it. */
const SMALL_PRODUCT_BYTES = 9000;
const bytesOf = (v: unknown) => Buffer.byteLength(jsonText(v));

const validProduct = productWith(extraFields(["id"], 400)).filter((p) => bytesOf(p) <= SMALL_PRODUCT_BYTES);
/** Containers a product may nest, itself included (MAX_PRODUCT_DEPTH). */
const MAX_DEPTH = 1000;
/** A valid product nested 500 levels deep or more in one field, up to the limit. */
const deepProduct = fc
  .tuple(validProductId, fc.integer({ min: 500, max: MAX_DEPTH - 1 }))
  .map(([id, depth]) => new Entries([["id", id], ["deep", nested(depth, "array")]]));

/** A field value or key Postgres jsonb cannot store. */
const unstorableText = fc.tuple(storableString(0, 10), fc.constantFrom(...UNSTORABLE_CHARS), storableString(0, 10)).map(([a, bad, b]) => a + bad + b);

type Break = "id-missing" | "id-bad" | "id-inexact" | "id-unstorable" | "value-unstorable" | "key-unstorable" | "nested-unstorable" | "number-beyond-numeric" | "number-too-long" | "too-deep";

const brokenProduct: fc.Arbitrary<Item> = fc
  .tuple(
    validProduct.map((p) => new Entries(p.entries.filter(([k]) => !k.startsWith("bad")))),
    fc.constantFrom<Break>("id-missing", "id-bad", "id-bad", "id-inexact", "id-unstorable", "value-unstorable", "key-unstorable", "nested-unstorable", "number-beyond-numeric", "number-too-long", "too-deep"),
    fc.oneof(fc.constant(""), tooLongString(512, 1500), fc.constantFrom(1.5, -0.25, true, false, null), fc.constantFrom(new Raw("9007199254740992"), new Raw("1e400"), new Raw("-1e20")), nonString.filter((v) => typeof v !== "number")),
    unstorableText,
    // Numbers Postgres numeric cannot hold (a double cannot hold 1e400 either, but numeric can: that one is valid).
    fc.constantFrom("1e131072", "-1e131072", "1e-16384", "0e-20000", "1E1073741823", "2.5e-16383"),
    // Ids whose nearest double is an integer although they are not.
    fc.constantFrom("9007199254740990.5", "0.99999999999999999", "-9007199254740990.5", "5e-1"),
    fc.integer({ min: MAX_DEPTH, max: 3000 }),
  )
  .map(([product, how, badId, text, huge, inexact, tooDeep]): Item => {
    switch (how) {
      case "id-missing":
        return { value: product.without("id"), bad: [["id"]] };
      case "id-bad":
        return { value: product.with("id", badId), bad: [["id"]] };
      case "id-unstorable":
        return { value: product.with("id", text), bad: [["id"]] };
      case "value-unstorable":
        return { value: product.with("bad", text), bad: [["bad"]] };
      case "key-unstorable":
        return { value: new Entries([...product.entries, [text, 1]]), bad: [[text]] };
      case "nested-unstorable":
        return { value: product.with("bad", [1, new Entries([["x", text]])]), bad: [["bad", 1, "x"]] };
      case "id-inexact":
        return { value: product.with("id", new Raw(inexact)), bad: [["id"]] };
      case "number-beyond-numeric":
        return { value: product.with("bad", new Raw(huge)), bad: [["bad"]] };
      case "number-too-long":
        return { value: new Entries([["id", 1], ["bad", new Raw(`0.${"9".repeat(16_384)}`)]]), bad: [["bad"]] };
      case "too-deep":
        // The first container past the limit is named: the product is level 1, so it is `bad` plus 999 × [0].
        return { value: new Entries([["id", 1], ["bad", nested(tooDeep, "array")]]), bad: [["bad", ...Array<number>(MAX_DEPTH - 1).fill(0)]] };
    }
  });

const invalidProduct: fc.Arbitrary<Item> = fc.oneof({ weight: 8, arbitrary: brokenProduct }, notAnObject(fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.boolean(), fc.array(fc.nat(), { maxLength: 2 }))));

const item = (value: Entries): Item => ({ value, bad: [] });
const jsonType = fc.constantFrom<string | undefined>(undefined, ...JSON_TYPES);

function post(label: string, body: Buffer, headers: Record<string, string>, expect: number[], more: Partial<RequestCase> = {}): RequestCase {
  return requestCase({ path: PATH, label: `products/${label}`, body, headers, expect, ...more });
}
const typed = (type: string | undefined, extra: Record<string, string>) => ({ ...(type === undefined ? {} : { "content-type": type }), ...extra });

function arrayBody(items: Item[]): { text: string; paths: string[] } {
  return { text: jsonText(items.map((i) => i.value)), paths: items.flatMap((it, i) => it.bad.map((p) => formatPath([i, ...p]))) };
}

/** Every hostile products body: invalid by the README whatever else it carries. */
export function hostileProductBodies({ maxBodyBytes, maxProductBytes }: ProductsLimits): fc.Arbitrary<RequestCase> {
  const ids = requestIdHeader;
  const valid = validProduct.map(item);
  const withInvalid = fc.tuple(fc.array(valid, { maxLength: 3 }), fc.array(invalidProduct, { minLength: 1, maxLength: 3 }), fc.nat()).map(([good, bad, at]) => {
    const all = [...good];
    bad.forEach((b, i) => all.splice((at + 3 * i) % (all.length + 1), 0, b));
    return all;
  });
  const anyProducts = fc.array(fc.oneof(valid, invalidProduct), { minLength: 1, maxLength: 4 });
  const validBody = fc.array(valid, { minLength: 1, maxLength: 3 }).map((list) => Buffer.from(jsonText(list.map((i) => i.value))));

  return fc.oneof(
    fc.tuple(withInvalid, jsonType, ids).map(([list, type, extra]) => {
      const body = arrayBody(list);
      return post("invalid-product", Buffer.from(body.text), typed(type, extra), [422], { paths: body.paths });
    }),
    // A valid product nested thousands of levels deep, then an invalid one.
    fc.tuple(deepProduct, invalidProduct, ids).map(([deep, bad, extra]) => {
      const body = arrayBody([item(deep), bad]);
      return post("deep-then-invalid", Buffer.from(body.text), typed("application/json", extra), [422], { paths: body.paths });
    }),
    fc.tuple(anyProducts, cutPoint, jsonType, ids).map(([list, at, type, extra]) => post("truncated", truncate(arrayBody(list).text, at), typed(type, extra), [400])),
    // One product, or any other JSON that is not an array (an array of it would be a body to read).
    fc.tuple(fc.oneof(valid, invalidProduct).filter((one) => !Array.isArray(one.value)), ids).map(([one, extra]) =>
      post("not-an-array", Buffer.from(jsonText(one.value)), typed("application/json", extra), [422], { paths: [""] }),
    ),
    fc.tuple(anyProducts, fc.constantFrom("x", "]", ",", "[]", "{}", "\u0000", "1", '"'), ids).map(([list, tail, extra]) =>
      post("trailing-garbage", Buffer.from(arrayBody(list).text + tail), typed("application/json", extra), [400]),
    ),
    fc.tuple(fc.oneof(notJsonBytes, notJsonBytes.map((b) => Buffer.concat([Buffer.from("["), b]))), ids).filter(([b]) => {
      try {
        JSON.parse(b.toString("utf8"));
        return false;
      } catch {
        return true;
      }
    }).map(([bytes, extra]) => post("random-bytes", bytes, typed("application/json", extra), [400])),
    fc.tuple(fc.constantFrom("", " ", "\r\n", "\ufeff[]", "\ufeff"), ids).map(([text, extra]) => post("empty", Buffer.from(text), typed("application/json", extra), [400])),
    fc.tuple(fc.array(valid, { maxLength: 3 }), validProduct, storableString(0, 20), invalidUtf8, ids).map(([list, p, prefix, bad, extra]) =>
      post("invalid-utf8-in-string", spliceInvalidUtf8(arrayBody([...list, item(p.with("name", prefix + UTF8_MARK))]).text, bad), typed("application/json", extra), [400, 422]),
    ),
    fc.tuple(validBody, invalidUtf8, fc.constantFrom("start", "inside", "end"), ids).map(([body, bad, where, extra]) => {
      const at = where === "start" ? 0 : where === "inside" ? 1 : body.length;
      return post("invalid-utf8-between-tokens", Buffer.concat([body.subarray(0, at), bad, body.subarray(at)]), typed("application/json", extra), [400]);
    }),
    fc.tuple(withInvalid, ids).map(([list, extra]) => post("bom", Buffer.concat([BOM, Buffer.from(arrayBody(list).text)]), typed("application/json", extra), [400, 422])),
    fc.tuple(validBody, fc.oneof(notJsonType, fc.constantFrom(...NDJSON_TYPES)), ids).map(([body, type, extra]) => post("content-type", body, typed(type, extra), [415])),
    fc.tuple(validBody, fc.constantFrom("gzip", "deflate", "br", "zstd", "compress", "bogus", "gzip, identity"), ids).map(([body, encoding, extra]) =>
      post("content-encoding", body, typed("application/json", { ...extra, "content-encoding": encoding }), [415]),
    ),
    // Big cases come less often: together as often as one of the others.
    {
      weight: 1,
      arbitrary: fc.oneof(
        // Enough valid products to stage a chunk in Postgres first, then an invalid one: the staging must roll back.
        fc.tuple(fc.integer({ min: 2001, max: 2600 }), invalidProduct, ids).map(([n, bad, extra]) => {
          const items = [...Array.from({ length: n }, (_, i) => item(new Entries([["id", i]]))), bad];
          const body = arrayBody(items);
          return post("staged-then-invalid", Buffer.from(body.text), typed("application/json", extra), [422], { paths: body.paths });
        }),
        // Over MAX_PRODUCTS_BODY_BYTES, declared or counted while streaming: 413.
        fc.tuple(fc.array(valid, { minLength: 1, maxLength: 3 }), fc.oneof(fc.integer({ min: 1, max: 4096 }), fc.integer({ min: 1, max: maxBodyBytes / 4 })), fc.boolean(), ids).map(([list, over, chunked, extra]) => {
          const text = arrayBody(list).text;
          const padded = `[${" ".repeat(Math.max(0, maxBodyBytes + over - text.length))}${text.slice(1)}`;
          return post(chunked ? "oversized-chunked" : "oversized", Buffer.from(padded), typed("application/json", extra), [413], { chunked });
        }),
        // One product over MAX_PRODUCT_BYTES: 413.
        fc.tuple(validProduct, fc.integer({ min: 1, max: maxProductBytes }), fc.boolean(), ids).map(([p, over, chunked, extra]) =>
          post("product-too-large", Buffer.from(jsonText([p.with("pad", "x".repeat(maxProductBytes + over))])), typed("application/json", extra), [413], { chunked }),
        ),
        // An array of arrays thousands deep: well-formed, no product (422), or too large a product (413).
        fc.tuple(deepNesting(30_000), ids).map(([deep, extra]) => {
          const body = `[${deep.text}]`;
          return post("deep-nesting", Buffer.from(body), typed("application/json", extra), [deep.text.length > maxProductBytes ? 413 : 422]);
        }),
      ),
    },
  );
}

/** What the suite's sanity and round-trip properties post: valid products, a few deep ones. */
export const acceptableProduct = fc.oneof({ weight: 9, arbitrary: validProduct }, deepProduct);
