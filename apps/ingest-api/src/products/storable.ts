import { formatPath, type FieldError } from "@tally/shared/http";

/** Postgres numeric holds at most 16383 digits after the point (and 131072 before); we allow 16383 in a row. */
const OVERLONG_NUMBER = /\d{16384}/;

/**
 * The first value in a parsed product that JSON allows but Postgres jsonb cannot store: a string or
 * key with U+0000 or an unpaired surrogate, or a number too large for a double or too long for
 * numeric. Found here, it is a 422 naming the field; missed, it would stop the upload being applied.
 */
export function findUnstorable(value: unknown, text: string, prefix: PropertyKey[]): FieldError | undefined {
  if (text.length > 16_383 && OVERLONG_NUMBER.test(text)) return { path: formatPath(prefix), message: "has a number of more than 16383 digits" };
  // The common case, everything storable, is checked without building paths: it runs on every product.
  return isStorable(value) ? undefined : walk(value, prefix);
}

function isStorable(value: unknown): boolean {
  if (typeof value === "string") return badString(value) === undefined;
  if (typeof value === "number") return Number.isFinite(value);
  if (value === null || typeof value !== "object") return true;
  if (Array.isArray(value)) return value.every(isStorable);
  for (const key in value) {
    if (badString(key) !== undefined || !isStorable((value as Record<string, unknown>)[key])) return false;
  }
  return true;
}

function walk(value: unknown, path: PropertyKey[]): FieldError | undefined {
  if (typeof value === "string") {
    const bad = badString(value);
    return bad === undefined ? undefined : { path: formatPath(path), message: `has a string Postgres cannot store (${bad})` };
  }
  if (typeof value === "number") return Number.isFinite(value) ? undefined : { path: formatPath(path), message: "has a number out of range" };
  if (value === null || typeof value !== "object") return undefined;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = walk(item, [...path, i]);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    const bad = badString(key);
    if (bad !== undefined) return { path: formatPath([...path, key]), message: `has a key Postgres cannot store (${bad})` };
    const found = walk(item, [...path, key]);
    if (found) return found;
  }
  return undefined;
}

function badString(s: string): string | undefined {
  if (s.includes("\u0000")) return "U+0000";
  if (!s.isWellFormed()) return "an unpaired surrogate";
  return undefined;
}
