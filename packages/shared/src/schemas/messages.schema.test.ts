import { describe, expect, it } from "vitest";
import { messageSchema } from "./messages.schema.js";

const valid = { customerId: 1, type: "A", amount: "0.012", uuid: "a596b362-08be-419f-8070-9c3055566e7c" };

function failingPaths(input: unknown): string[] {
  const result = messageSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => i.path.join("."));
}

describe("messageSchema", () => {
  it("accepts the seed's example and drops unknown fields", () => {
    expect(messageSchema.parse({ ...valid, extra: true })).toEqual(valid);
  });

  it.each(["0", "1", "1.5", "1.50", "0.001", "999999999999999.999", "000.1"])("accepts amount %s", (amount) => {
    expect(failingPaths({ ...valid, amount })).toEqual([]);
  });

  it.each([
    ["four decimals", "1.2345"],
    ["exponent", "1e3"],
    ["leading space", " 1"],
    ["trailing point", "1."],
    ["leading point", ".5"],
    ["negative", "-1"],
    ["sixteen integer digits", "1000000000000000"],
    ["empty", ""],
    ["comma", "1,5"],
  ])("rejects amount with %s", (_, amount) => {
    expect(failingPaths({ ...valid, amount })).toEqual(["amount"]);
  });

  it("rejects a number amount: floats are never accepted", () => {
    expect(failingPaths({ ...valid, amount: 1.5 })).toEqual(["amount"]);
  });

  it.each([
    ["negative", -1],
    ["fractional", 1.5],
    ["unsafe", 2 ** 53],
    ["string", "1"],
    ["null", null],
  ])("rejects a %s customerId", (_, customerId) => {
    expect(failingPaths({ ...valid, customerId })).toEqual(["customerId"]);
  });

  it("accepts customerId 0 and 2^53-1", () => {
    expect(failingPaths({ ...valid, customerId: 0 })).toEqual([]);
    expect(failingPaths({ ...valid, customerId: Number.MAX_SAFE_INTEGER })).toEqual([]);
  });

  it("accepts the empty type and 128 characters, rejects 129", () => {
    expect(failingPaths({ ...valid, type: "" })).toEqual([]);
    expect(failingPaths({ ...valid, type: "x".repeat(128) })).toEqual([]);
    expect(failingPaths({ ...valid, type: "x".repeat(129) })).toEqual(["type"]);
  });

  it.each([
    "A596B362-08BE-419F-8070-9C3055566E7C",
    "00000000-0000-0000-0000-000000000000",
    "ffffffff-ffff-ffff-ffff-ffffffffffff",
    "01890a5d-ac96-774b-bcce-b302099a8057",
    "c232ab00-9414-11ec-b3c8-9f6bdeced846",
  ])("accepts uuid %s of any version or case", (uuid) => {
    expect(failingPaths({ ...valid, uuid })).toEqual([]);
  });

  it.each(["", "not-a-uuid", "a596b36208be419f80709c3055566e7c", "a596b362-08be-419f-8070-9c3055566e7"])(
    "rejects uuid %j",
    (uuid) => {
      expect(failingPaths({ ...valid, uuid })).toEqual(["uuid"]);
    },
  );

  it("names every missing field, saying it is required rather than what its value should look like", () => {
    expect(failingPaths({}).sort()).toEqual(["amount", "customerId", "type", "uuid"]);
    const result = messageSchema.safeParse({});
    expect(result.success ? [] : result.error.issues.map((i) => i.message)).toEqual(["is required", "is required", "is required", "is required"]);
    const wrong = messageSchema.safeParse({ customerId: "1", type: 7, amount: 1.5, uuid: "x" });
    expect(wrong.success ? [] : wrong.error.issues.map((i) => i.message)).not.toContain("is required");
  });
});

describe("messageSchema, text Postgres cannot store", () => {
  it.each(["a\u0000", "\ud800", "x\udc00"])("rejects type %j", (type) => {
    expect(failingPaths({ ...valid, type })).toEqual(["type"]);
  });
});
