import { describe, expect, it } from "vitest";
import { lastCompleteWindowStart } from "./windows.js";

const at = (h: number, m: number, s: number, ms = 0) => Date.UTC(2026, 10, 23, h, m, s, ms);
const iso = (ms: number) => new Date(ms).toISOString().slice(11, 19);

describe("lastCompleteWindowStart", () => {
  it("at 14:54:30 is the minute 14:53 and the hour 13:00", () => {
    expect(iso(lastCompleteWindowStart("minute", at(14, 54, 30)))).toBe("14:53:00");
    expect(iso(lastCompleteWindowStart("hour", at(14, 54, 30)))).toBe("13:00:00");
  });

  it("at exactly 14:54:00 the minute 14:53 has just ended", () => {
    expect(iso(lastCompleteWindowStart("minute", at(14, 54, 0)))).toBe("14:53:00");
    expect(iso(lastCompleteWindowStart("minute", at(14, 53, 59, 999)))).toBe("14:52:00");
    expect(iso(lastCompleteWindowStart("hour", at(14, 0, 0)))).toBe("13:00:00");
  });
});
