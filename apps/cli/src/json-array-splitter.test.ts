import { describe, expect, it } from "vitest";
import { JsonArraySplitter, MalformedJsonError } from "./json-array-splitter.js";

/** Splits `text` fed in chunks of `size` bytes. */
function split(text: string, size: number, keepBytes = true): string[] {
  const splitter = new JsonArraySplitter({ keepBytes, maxElementBytes: 1024 });
  const bytes = Buffer.from(text);
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i += size) splitter.write(bytes.subarray(i, i + size), (e) => out.push(e.toString()));
  splitter.end();
  return out;
}

const TRICKY = ` [ {"a": "x]},\\"y", "b": [1, {"c": null}]}, 12.5e3 ,"s\\\\", true,[[]] , "é😀" ] \n`;
const ELEMENTS = ['{"a": "x]},\\"y", "b": [1, {"c": null}]}', "12.5e3", '"s\\\\"', "true", "[[]]", '"é😀"'];

describe("JsonArraySplitter", () => {
  it("yields each element's exact bytes, whatever the chunking (every size down to one byte)", () => {
    for (let size = 1; size <= Buffer.byteLength(TRICKY); size++) {
      expect(split(TRICKY, size)).toEqual(ELEMENTS);
      // Each element is one JSON value.
      split(TRICKY, size).forEach((e) => JSON.parse(e));
    }
  });

  it("only counts when asked not to keep bytes", () => {
    const splitter = new JsonArraySplitter({ keepBytes: false, maxElementBytes: Infinity });
    const seen: number[] = [];
    splitter.write(Buffer.from(TRICKY), (e) => seen.push(e.length));
    expect(splitter.count).toBe(6);
    expect(seen).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it("takes an empty array", () => {
    expect(split(" [ ] ", 1)).toEqual([]);
  });

  it.each([
    ["", /the file is empty/],
    ['{"a": 1}', /not a JSON array: it starts with '\{' \(at byte 0\)/],
    ["[1, 2", /ends before the array is closed/],
    ["[1,, 2]", /expected an array element, found ',' \(at byte 3\)/],
    ["[1] x", /unexpected 'x' after the array \(at byte 4\)/],
    ['[{"a": 1]]', /'\]' does not match the open bracket \(at byte 8\)/],
    ["[1 2]", /expected ',' or '\]' after an element, found '2'/],
  ])("refuses %j", (text, message) => {
    expect(() => split(text, 3)).toThrow(MalformedJsonError);
    expect(() => split(text, 3)).toThrow(message);
  });

  it("refuses an element bigger than the limit instead of buffering it", () => {
    expect(() => split(`[1, "${"x".repeat(2000)}"]`, 100)).toThrow(/element starting here is larger than 1024 bytes \(at byte 4\)/);
  });
});
