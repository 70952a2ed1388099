import { describe, expect, it } from "vitest";
import { describeProblem, label, locate } from "./load-batches.js";

const batch = { positions: [101, 102, 104] }; // line 103 was blank or refused locally

describe("pointing the API's answers at the file", () => {
  it("turns a batch index into the event's line (NDJSON) or array index (JSON)", () => {
    expect(locate("[2].amount", batch, "ndjson")).toBe("line 104, amount");
    expect(locate("[2]", batch, "ndjson")).toBe("line 104");
    expect(locate("[2].amount", batch, "json")).toBe("[104].amount");
    expect(locate("", batch, "json")).toBe("body");
    expect(locate("[9].x", batch, "json")).toBe("[9].x");
  });

  it("names a batch by its first and last event", () => {
    expect(label("ndjson", [101, 102, 104])).toBe("lines 101–104");
    expect(label("ndjson", [7])).toBe("line 7");
    expect(label("json", [100, 199])).toBe("[100]–[199]");
  });

  it("shows a problem's field errors, at most five, or else its detail", () => {
    const errors = Array.from({ length: 7 }, (_, i) => ({ path: `[${i % 3}].uuid`, message: "bad" }));
    expect(describeProblem({ status: 422, title: "Validation failed", detail: "7 invalid fields: …", errors }, (p) => locate(p, batch, "ndjson"))).toEqual({
      message: "Validation failed: 7 invalid fields",
      errors: ["line 101, uuid: bad", "line 102, uuid: bad", "line 104, uuid: bad", "line 101, uuid: bad", "line 102, uuid: bad", "… and 2 more"],
    });
    expect(describeProblem({ status: 413, title: "Payload too large", detail: "over 5 MB", errors: [] }, (p) => p)).toEqual({ message: "Payload too large: over 5 MB" });
  });
});
