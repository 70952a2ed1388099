import { describe, expect, it } from "vitest";
import { formatAmount } from "./amount.js";
import { parseIsoInstant } from "./params.js";

describe("parseIsoInstant", () => {
  it.each([
    ["2026-11-23", Date.UTC(2026, 10, 23)],
    ["2026-11-23T14:00:00Z", Date.UTC(2026, 10, 23, 14)],
    ["2026-11-23T14:00Z", Date.UTC(2026, 10, 23, 14)],
    ["2026-11-23T14", Date.UTC(2026, 10, 23, 14)],
    ["2026-11-23T14:00:00.000Z", Date.UTC(2026, 10, 23, 14)],
    ["2026-11-23T14:00:00", Date.UTC(2026, 10, 23, 14)],
    ["2026-11-23T15:00:00+01:00", Date.UTC(2026, 10, 23, 14)],
    ["2026-11-23T09:30:00-04:30", Date.UTC(2026, 10, 23, 14)],
  ])("reads %s", (text, ms) => {
    expect(parseIsoInstant(text)).toBe(ms);
  });

  it.each(["2026-11-23T14:00:00.0001Z", "2026-11-23T14:00:00.000000001Z"])("refuses %j: finer than a millisecond and not zero", (text) => {
    expect(parseIsoInstant(text)).toBeUndefined();
  });

  it("reads a zero fraction finer than a millisecond", () => {
    expect(parseIsoInstant("2026-11-23T14:00:00.000000Z")).toBe(Date.UTC(2026, 10, 23, 14));
  });

  it.each(["", "yesterday", "2026-02-30", "2026-13-01", "2026-11-23T24:00:00Z", "2026-11-23 14:00", "1700000000", "2026-11-23T14:00:00+1"])(
    "refuses %j",
    (text) => {
      expect(parseIsoInstant(text)).toBeUndefined();
    },
  );
});

describe("formatAmount", () => {
  it.each([
    ["0", "0.000"],
    ["0.036", "0.036"],
    ["12.5", "12.500"],
    ["1999999999999999.998", "1999999999999999.998"],
    ["99999999999999999999999999999999999.999", "99999999999999999999999999999999999.999"],
  ])("shows %s as %s, exactly", (numeric, shown) => {
    expect(formatAmount(numeric)).toBe(shown);
  });
});
