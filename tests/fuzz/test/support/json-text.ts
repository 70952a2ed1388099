/**
 * JSON text the tests write by hand: tokens JSON.stringify cannot produce (`1e3`, `-0`, `1.0`, `NaN`),
 * objects whose keys repeat, and strings holding U+0000 or lone surrogates (which JSON.stringify escapes).
 */

/** A token written verbatim. */
export class Raw {
  constructor(readonly text: string) {}
}

/** An object whose entries are written in this order; a key may repeat (JSON.parse keeps the last). */
export class Entries {
  constructor(readonly entries: readonly (readonly [string, unknown])[]) {}

  /** The object JSON.parse would make of it (the last of repeated keys wins). */
  last(key: string): unknown {
    return this.entries.findLast(([k]) => k === key)?.[1];
  }

  keys(): string[] {
    return [...new Set(this.entries.map(([k]) => k))];
  }

  with(key: string, value: unknown): Entries {
    return new Entries([...this.entries.filter(([k]) => k !== key), [key, value]]);
  }

  without(key: string): Entries {
    return new Entries(this.entries.filter(([k]) => k !== key));
  }
}

/** Writes a value as JSON text, compact, with no whitespace anywhere. */
export function jsonText(value: unknown): string {
  if (value instanceof Raw) return value.text;
  if (value instanceof Entries) return `{${value.entries.map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`).join(",")}}`;
  if (Array.isArray(value)) return `[${value.map(jsonText).join(",")}]`;
  if (value !== null && typeof value === "object") return jsonText(new Entries(Object.entries(value)));
  if (typeof value === "number" && !Number.isFinite(value)) throw new Error(`not a JSON number: ${value}`);
  return JSON.stringify(value);
}

/** The value JSON.parse gives for a hand-written value, for expectations. */
export function parsedValue(value: unknown): unknown {
  return JSON.parse(jsonText(value));
}

/** `[3].amount`, `amount`, `[0]`: a field's path as the API names it. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = "";
  for (const key of path) out += typeof key === "number" ? `[${key}]` : out === "" ? key : `.${key}`;
  return out;
}

/** Cuts a string to at most `max` UTF-16 units without splitting a surrogate pair. */
export function truncateUnits(s: string, max: number): string {
  let out = "";
  for (const ch of s) {
    if (out.length + ch.length > max) break;
    out += ch;
  }
  return out;
}
