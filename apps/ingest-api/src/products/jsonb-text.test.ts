import { describe, expect, it } from "vitest";
import { MAX_PRODUCT_DEPTH, scanJsonbText } from "./jsonb-text.js";

// What is inside a string is text, never structure: with and without an escape elsewhere in the
// product (a product without any backslash has its strings skipped whole, one with any is read a
// character at a time), the scan must come to the same verdict.
describe("scanJsonbText reads strings as text", () => {
  const deep = "[".repeat(MAX_PRODUCT_DEPTH + 5);
  const cases: [string, string, ReturnType<typeof scanJsonbText>][] = [
    ["brackets, commas and numbers inside strings", `{"s":"${deep}, -1e999999999999, {","id":42,"t":"]]]}"}`, { idNumber: "42" }],
    ["a key that looks like structure", `{"[{,":"-5e99999999999","id":7}`, { idNumber: "7" }],
    ["a string id followed by a numeric-looking string", `{"id":"9","n":"1e2000000000"}`, {}],
    ["a number that is refused, after a long string", `{"id":1,"s":"${"x".repeat(5000)}","n":1e1073741823}`, { problem: { message: "has a number whose exponent Postgres numeric cannot hold" } }],
    ["nesting that is refused, after strings", `{"id":1,"s":"]]]]","a":${deep}${"]".repeat(MAX_PRODUCT_DEPTH + 5)}}`, { problem: { message: `nests deeper than ${MAX_PRODUCT_DEPTH} levels` } }],
  ];
  it.each(cases)("%s", (_, text, expected) => {
    expect(JSON.parse(text)).toBeTypeOf("object");
    expect(scanJsonbText(text)).toEqual(expected);
    // The same product with an escaped character in a string of its own: the character-wise path.
    const escaped = text.replace(/^\{/, '{"e":"\\u0041",');
    expect(JSON.parse(escaped)).toBeTypeOf("object");
    expect(scanJsonbText(escaped)).toEqual(expected);
  });

  it("still finds an escape it must refuse when the product has one", () => {
    expect(scanJsonbText('{"id":1,"s":"[a\\u0000]"}').problem?.message).toBe("has a string Postgres cannot store (the escape \\u0000)");
  });
});
