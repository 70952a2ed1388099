import { describe, expect, it } from "vitest";
import { ExactInteger, exactCount, exactJson } from "./exact-json.js";

describe("exactJson", () => {
  it("writes each ExactInteger as a JSON number with its own digits, past 2^53", () => {
    const text = exactJson({ items: [{ domain: "a", requests: new ExactInteger("27021597764222973") }, { domain: "b", requests: new ExactInteger(5n) }], total: 2 });
    expect(text).toBe('{"items":[{"domain":"a","requests":27021597764222973},{"domain":"b","requests":5}],"total":2}');
  });

  it("leaves strings that look like its mark alone", () => {
    expect(exactJson({ s: "\\u0000exact:0", n: new ExactInteger(1) })).toBe('{"s":"\\\\u0000exact:0","n":1}');
  });

  it("refuses what is not an integer", () => {
    expect(() => new ExactInteger("1.5")).toThrow(TypeError);
    expect(() => new ExactInteger("1e3")).toThrow(TypeError);
  });

  it("has a schema that takes exact integers and plain ones, not negatives or fractions", () => {
    expect([new ExactInteger("99999999999999999999"), 0, 7].every((v) => exactCount.safeParse(v).success)).toBe(true);
    expect([new ExactInteger(-1), -1, 1.5, "1"].some((v) => exactCount.safeParse(v).success)).toBe(false);
  });
});
