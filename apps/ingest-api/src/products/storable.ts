import { formatPath, type FieldError } from "@tally/shared/http";
import { isStorableText } from "@tally/shared/schemas";

/** Postgres numeric holds at most 16383 digits after the point (and 131072 before); we allow 16383 in a row. */
const OVERLONG_NUMBER = /\d{16384}/;

/**
 * The first value in a parsed product that JSON allows but Postgres jsonb cannot store: a string or
 * key with U+0000 or an unpaired surrogate, or a number too large for a double or too long for
 * numeric. Found here, it is a 422 naming the field; missed, it would stop the upload being applied.
 * Both walks use a stack of their own, not recursion: a product may nest thousands of levels deep.
 */
export function findUnstorable(value: unknown, text: string, prefix: PropertyKey[]): FieldError | undefined {
  if (text.length > 16_383 && OVERLONG_NUMBER.test(text)) return { path: formatPath(prefix), message: "has a number of more than 16383 digits" };
  // The common case, everything storable, is checked without building paths: it runs on every product.
  return isStorable(value) ? undefined : locate(value, prefix);
}

function problemOf(value: unknown): string | undefined {
  if (typeof value === "string") return isStorableText(value) ? undefined : "has a string Postgres cannot store (U+0000 or an unpaired surrogate)";
  if (typeof value === "number") return Number.isFinite(value) ? undefined : "has a number out of range";
  return undefined;
}

const badKey = (key: string) => (isStorableText(key) ? undefined : "has a key Postgres cannot store (U+0000 or an unpaired surrogate)");

function isStorable(root: unknown): boolean {
  const stack = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (problemOf(value) !== undefined) return false;
    if (Array.isArray(value)) for (const item of value) stack.push(item);
    else if (value !== null && typeof value === "object") {
      for (const key in value) {
        if (badKey(key) !== undefined) return false;
        stack.push((value as Record<string, unknown>)[key]);
      }
    }
  }
  return true;
}

function locate(root: unknown, prefix: PropertyKey[]): FieldError | undefined {
  const stack: [unknown, PropertyKey[]][] = [[root, prefix]];
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    const problem = problemOf(value);
    if (problem !== undefined) return { path: formatPath(path), message: problem };
    if (Array.isArray(value)) value.forEach((item, i) => stack.push([item, [...path, i]]));
    else if (value !== null && typeof value === "object") {
      for (const [key, item] of Object.entries(value)) {
        const bad = badKey(key);
        if (bad !== undefined) return { path: formatPath([...path, key]), message: bad };
        stack.push([item, [...path, key]]);
      }
    }
  }
  return undefined;
}
