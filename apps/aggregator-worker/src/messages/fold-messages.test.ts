import { describe, expect, it } from "vitest";
import { hourOf, toMessageRows } from "./fold-messages.js";

const U = "a596b362-08be-419f-8070-9c3055566e7c";

describe("hourOf", () => {
  it("truncates to the UTC hour", () => {
    expect(hourOf(Date.UTC(2026, 10, 23, 14, 59, 59, 999))).toBe("2026-11-23T14:00:00.000Z");
    expect(hourOf(Date.UTC(2026, 10, 23, 15, 0, 0, 0))).toBe("2026-11-23T15:00:00.000Z");
  });
});

describe("toMessageRows", () => {
  it("keeps the first occurrence of a uuid, whatever its case, across jobs", () => {
    const rows = toMessageRows([
      { acceptedAt: Date.UTC(2026, 0, 1, 10, 30), messages: [{ customerId: 1, type: "A", amount: "1", uuid: U }] },
      { acceptedAt: Date.UTC(2026, 0, 1, 11, 30), messages: [{ customerId: 2, type: "B", amount: "2", uuid: U.toUpperCase() }] },
    ]);
    expect(rows).toEqual([{ uuid: U, customerId: 1, type: "A", amount: "1", hour: "2026-01-01T10:00:00.000Z" }]);
  });
});
