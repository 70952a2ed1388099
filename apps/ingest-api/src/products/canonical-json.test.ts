import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical-json.js";

describe("canonicalJson (RFC 8785)", () => {
  it.each([
    ['{ "b": 1, "a": [1, 2, {"d": null, "c": true}] }', '{"a":[1,2,{"c":true,"d":null}],"b":1}'],
    ['{"\\u0041": "\\u00e9\\n", "€": 1, "a": 2}', '{"A":"é\\n","a":2,"€":1}'],
    ["[1.0, 1e0, 10E-1, -0, 0.000001, 1e21, 1e-7, 123456789012]", "[1,1,1,0,0.000001,1e+21,1e-7,123456789012]"],
    ['{"a": 1, "a": 2}', '{"a":2}'],
    ["[]", "[]"],
    ["{}", "{}"],
  ])("writes %s as %s", (text, canonical) => {
    expect(canonicalJson(text)).toBe(canonical);
  });

  it("sorts member names by UTF-16 code units, as RFC 8785 §3.2.3 does", () => {
    // RFC 8785's own example: "\u20ac" (€), "\r", "\ufb33", "1", "\ud83d\ude00" (😀), "\u0080", "\u00f6" (ö).
    const text = '{"\\u20ac":1,"\\r":2,"\\ufb33":3,"1":4,"\\ud83d\\ude00":5,"\\u0080":6,"\\u00f6":7}';
    const order: [string, number][] = [["\r", 2], ["1", 4], ["\u0080", 6], ["ö", 7], ["€", 1], ["😀", 5], ["\ufb33", 3]];
    expect(canonicalJson(text)).toBe(`{${order.map(([name, v]) => `${JSON.stringify(name)}:${v}`).join(",")}}`);
  });

  it("keeps numbers a double cannot hold apart, and matches only spellings of the same value", () => {
    expect(canonicalJson("12345678901234567890123")).not.toBe(canonicalJson("12345678901234567890124"));
    expect(canonicalJson("12345678901234567890123")).toBe(canonicalJson("1.2345678901234567890123e22"));
    expect(canonicalJson("1e400")).toBe(canonicalJson("10E399"));
    expect(canonicalJson("0.1")).toBe("0.1");
  });
});
