import { describe, expect, it } from "vitest";
import { derivedJobId, jobIdTime, newJobId } from "./job-id.js";

describe("job ids", () => {
  it("are UUIDv7s that carry the time they were made, to the millisecond", () => {
    const at = Date.UTC(2026, 10, 23, 20, 30, 15, 123);
    const id = newJobId(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(jobIdTime(id)).toBe(at);
    expect(jobIdTime(newJobId(0))).toBe(0);
    expect(jobIdTime(newJobId(2 ** 48 - 1))).toBe(2 ** 48 - 1);
  });

  it("differ when made in the same millisecond, and sort by time", () => {
    const ids = Array.from({ length: 1000 }, () => newJobId(1_000));
    expect(new Set(ids).size).toBe(1000);
    expect(newJobId(1_000) < newJobId(1_001)).toBe(true);
  });

  it.each(["same-id", "1", "2b9e3c14-5f1e-4c7a-9d2e-8f1a2b3c4d5e", "018f3c14-5f1e-7c7a-cd2e-8f1a2b3c4d5e", ""])("finds no time in %j", (id) => {
    expect(jobIdTime(id)).toBeUndefined();
  });

  it("can be derived: the same time and seed give the same UUIDv7, another seed another", () => {
    const at = Date.UTC(2026, 11, 6, 10, 0, 0, 5);
    const id = derivedJobId(at, "key-1:0");
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(derivedJobId(at, "key-1:0")).toBe(id);
    expect(derivedJobId(at, "key-1:1")).not.toBe(id);
    expect(jobIdTime(id)).toBe(at);
  });
});
