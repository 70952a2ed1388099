import { describe, expect, it } from "vitest";
import { exactSum } from "./sum-per-job.js";

describe("exactSum", () => {
  const max = Number.MAX_SAFE_INTEGER;
  it.each([
    [1, 2, 3],
    [max - 1, 1, max],
    [max, 1, "9007199254740992"],
    [max, max, "18014398509481982"],
    ["18014398509481982", max, "27021597764222973"],
    [0, "18446744073709551616", "18446744073709551616"],
  ])("%s + %s = %s, a number only while it is exact", (a, b, sum) => {
    expect(exactSum(a, b)).toBe(sum);
  });
});
