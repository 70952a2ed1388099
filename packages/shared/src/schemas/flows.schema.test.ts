import { describe, expect, it } from "vitest";
import { flowSchema } from "./flows.schema.js";

const valid = { src_app: "foo", dest_app: "bar", vpc_id: "vpc-0", bytes_tx: 100, bytes_rx: 300, hour: 1 };
const failingPaths = (input: unknown) => {
  const result = flowSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => i.path.join("."));
};

describe("flowSchema", () => {
  it("accepts the seed's flow", () => {
    expect(flowSchema.parse(valid)).toEqual(valid);
  });

  it.each(["src_app", "dest_app", "vpc_id"])("rejects an empty, overlong or non-string %s", (field) => {
    expect(failingPaths({ ...valid, [field]: "" })).toEqual([field]);
    expect(failingPaths({ ...valid, [field]: "x".repeat(256) })).toEqual([field]);
    expect(failingPaths({ ...valid, [field]: 5 })).toEqual([field]);
  });

  it.each(["bytes_tx", "bytes_rx", "hour"])("rejects a negative, fractional, unsafe or string %s", (field) => {
    for (const value of [-1, 0.5, 2 ** 53, "1", null]) expect(failingPaths({ ...valid, [field]: value })).toEqual([field]);
    expect(failingPaths({ ...valid, [field]: 0 })).toEqual([]);
    expect(failingPaths({ ...valid, [field]: Number.MAX_SAFE_INTEGER })).toEqual([]);
  });
});

describe("flowSchema, text Postgres cannot store", () => {
  it.each(["src_app", "dest_app", "vpc_id"])("rejects U+0000 or an unpaired surrogate in %s", (field) => {
    expect(failingPaths({ ...valid, [field]: "a\u0000" })).toEqual([field]);
    expect(failingPaths({ ...valid, [field]: "\ud83d" })).toEqual([field]);
  });
});
