import { describe, expect, it } from "vitest";
import { z } from "zod";
import { formatPath, toFieldErrors } from "./validation.js";

describe("formatPath", () => {
  it.each([
    [[], ""],
    [["amount"], "amount"],
    [[3, "amount"], "[3].amount"],
    [["items", 0, "id"], "items[0].id"],
  ])("writes %j as %j", (path, text) => {
    expect(formatPath(path)).toBe(text);
  });
});

describe("toFieldErrors", () => {
  it("prefixes each issue's path, e.g. with a batch item's index", () => {
    const result = z.object({ a: z.string() }).safeParse({ a: 1 });
    expect(result.success).toBe(false);
    expect(toFieldErrors(result.error!.issues, [4])).toEqual([{ path: "[4].a", message: expect.any(String) }]);
  });
});
