import { describe, expect, it } from "vitest";
import { toMessageRows } from "./fold-messages.js";

const U = "a596b362-08be-419f-8070-9c3055566e7c";

describe("toMessageRows", () => {
  it("keeps the first occurrence of a uuid, whatever its case, across jobs", () => {
    const rows = toMessageRows([
      { quarter: Date.UTC(2026, 0, 1, 10), messages: [{ customerId: 1, type: "A", amount: "1", uuid: U }] },
      { quarter: Date.UTC(2026, 0, 1, 11, 15), messages: [{ customerId: 2, type: "B", amount: "2", uuid: U.toUpperCase() }] },
    ]);
    expect(rows).toEqual([{ uuid: U, customer_id: 1, type: "A", amount: "1", quarter: "2026-01-01T10:00:00.000Z" }]);
  });
});
