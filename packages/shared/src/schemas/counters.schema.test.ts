import { describe, expect, it } from "vitest";
import { counterSchema, toCounterEvent } from "./counters.schema.js";

function failingPaths(input: unknown): string[] {
  const result = counterSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => i.path.join("."));
}

describe("counterSchema", () => {
  it("reads the seed's shape into a second and its domain counts", () => {
    expect(toCounterEvent(counterSchema.parse({ timestamp: 1608102631, A: 3, B: 4 }))).toEqual({
      timestamp: 1608102631,
      counts: [
        ["A", 3],
        ["B", 4],
      ],
    });
  });

  it("takes the timestamp as a string of digits too", () => {
    expect(counterSchema.parse({ timestamp: "1608102631", A: 0 }).timestamp).toBe(1608102631);
  });

  it.each([["-1"], [-1], [1.5], ["1.5"], [" 1"], [null], ["1e9"], [253_402_300_800]])("rejects timestamp %j", (timestamp) => {
    expect(failingPaths({ timestamp, A: 1 })).toEqual(["timestamp"]);
  });

  it("rejects a counter without a timestamp", () => {
    expect(failingPaths({ A: 1 })).toEqual(["timestamp"]);
  });

  it("rejects a counter without a domain", () => {
    expect(failingPaths({ timestamp: 1 })).toEqual([""]);
  });

  it.each([[-1], [1.5], ["3"], [null], [2 ** 53], [true]])("rejects count %j, naming the domain", (count) => {
    expect(failingPaths({ timestamp: 1, A: 1, "b.example": count })).toEqual(["b.example"]);
  });

  it("rejects an empty or overlong domain", () => {
    expect(failingPaths({ timestamp: 1, "": 1 })).toEqual([""]);
    expect(failingPaths({ timestamp: 1, ["x".repeat(254)]: 1 })).toEqual(["x".repeat(254)]);
    expect(failingPaths({ timestamp: 1, ["x".repeat(253)]: 1 })).toEqual([]);
  });
});

describe("counterSchema, hostile keys", () => {
  it("names every bad field at once", () => {
    expect(failingPaths(JSON.parse('{"timestamp": "soon", "": 1, "A": -1, "B": 2}')).sort()).toEqual(["", "A", "timestamp"]);
  });

  it("refuses __proto__ as a domain instead of silently dropping its count", () => {
    expect(failingPaths(JSON.parse('{"timestamp": 1, "__proto__": 1, "a": 1}'))).toEqual(["__proto__"]);
    expect(failingPaths(JSON.parse('{"timestamp": 1, "a": 1, "__proto__": "1"}'))).toEqual(["__proto__"]);
  });

  it("refuses a domain Postgres cannot store", () => {
    expect(failingPaths({ timestamp: 1, "a\u0000": 1 })).toEqual(["a\u0000"]);
    expect(failingPaths({ timestamp: 1, "\ud800": 1 })).toEqual(["\ud800"]);
  });
});

describe("counterSchema, messages that teach", () => {
  const messages = (value: unknown) => {
    const result = counterSchema.safeParse(value);
    return result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  };

  it("says a missing timestamp is required", () => {
    expect(messages({ a: 1 })).toEqual(["timestamp: is required"]);
  });

  it.each([1765015200000, "1765015200000"])("recognises a timestamp in milliseconds (%j) and says what to send", (timestamp) => {
    expect(messages({ timestamp, a: 1 })).toEqual(["timestamp: must be Unix seconds, and 1765015200000 looks like milliseconds: send 1765015200"]);
  });
});
