import { toFieldErrors } from "@tally/shared/http";
import { productSchema } from "@tally/shared/schemas";
import { describe, expect, it } from "vitest";
import { checkProduct } from "./check-product.js";

describe("checkProduct", () => {
  // It checks an object's id alone (cheaper than the loose object schema); its verdict must be the schema's.
  it.each(["5", "null", '"p"', "[1]", "[]", "{}", '{"name":"x"}', '{"id":""}', '{"id":1.5}', '{"id":true}', '{"id":null}', '{"id":[1]}', `{"id":"${"x".repeat(513)}"}`, '{"id":"a"}', '{"id":-7,"x":{}}'])(
    "says of %s what the product schema says",
    (text) => {
      const verdict = productSchema.safeParse(JSON.parse(text));
      expect(checkProduct(text, 4)).toEqual(verdict.success ? [] : toFieldErrors(verdict.error.issues, [4]));
    },
  );

  it("names an id that is not exactly a safe integer, which the schema alone cannot see", () => {
    expect(checkProduct('{"id":9007199254740990.5}', 0)).toEqual([{ path: "[0].id", message: expect.stringMatching(/^must be a string/) }]);
  });
});
