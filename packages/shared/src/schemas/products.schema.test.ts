import { describe, expect, it } from "vitest";
import { productSchema } from "./products.schema.js";

const paths = (input: unknown) => {
  const result = productSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

describe("productSchema", () => {
  it("keeps every field of a product with a string or integer id", () => {
    expect(productSchema.parse({ id: "sku-1", name: "x", nested: { a: [1] } })).toEqual({ id: "sku-1", name: "x", nested: { a: [1] } });
    expect(paths({ id: 0 })).toEqual([]);
    expect(paths({ id: Number.MAX_SAFE_INTEGER })).toEqual([]);
  });

  it.each([[{}, "id: is required"], [{ id: "" }, "id: must be"], [{ id: 1.5 }, "id: must be"], [{ id: 2 ** 53 }, "id: must be"], [{ id: null }, "id: must be"], [{ id: "x".repeat(513) }, "id: must be"]])(
    "rejects %j",
    (input, message) => {
      expect(paths(input)).toEqual([expect.stringContaining(message)]);
    },
  );

  it.each([[[]], ["x"], [null], [3]])("rejects %j, which is not an object", (input) => {
    expect(paths(input)).toHaveLength(1);
  });
});
