import fc from "fast-check";
import { Entries, Raw, truncateUnits } from "../json-text.js";

export const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Characters that break naive code: RTL marks, combining marks, emoji sequences, JSON and URL specials. */
const EDGE_CHARS = [
  "a", "Z", "0", " ", ".", "-", "_", "/", "\\", '"', "'", "\n", "\t", "\r", "%", "&", "=", "?", "#", "+", "[", "]", "{", "}",
  "\u200f", "\u202e", "\u061c", "\u0645", "\u05d0", "\u00e9", "e\u0301", "\u00a0", "\u2028", "\u2029", "\ufeff", "\uffff", "\ufffd",
  "😀", "👩‍👩‍👧", "🇫🇷", "𝕏", "\u0001", "\u001f", "\u007f",
];
/** Strings Postgres text and jsonb cannot hold. */
export const UNSTORABLE_CHARS = ["\u0000", "\ud800", "\udbff", "\udc00", "\udfff"];

const storableUnit = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...EDGE_CHARS) },
  { weight: 3, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 1 }) },
).filter((s) => !s.includes("\u0000") && s.isWellFormed());

/** A string Postgres can store, `min`…`max` UTF-16 units. */
export function storableString(min: number, max: number): fc.Arbitrary<string> {
  return fc
    .array(storableUnit, { minLength: min, maxLength: Math.min(max, 40) })
    .map((units) => truncateUnits(units.join(""), max))
    .filter((s) => s.length >= min);
}

/** A storable string of `min`…`max` units that may be long (hundreds of units, built from a repeated part). */
export function sizedString(min: number, max: number): fc.Arbitrary<string> {
  const repeated = fc
    .tuple(storableString(1, 8), fc.integer({ min, max }))
    .map(([part, n]) => truncateUnits(part.repeat(Math.ceil(n / part.length) + 1), n))
    .filter((s) => s.length >= min && s.length <= max);
  return min <= 40 ? fc.oneof(storableString(min, Math.min(max, 40)), repeated) : repeated;
}

/** A string holding at least one character Postgres cannot store (U+0000 or a lone surrogate). */
export function unstorableString(max: number): fc.Arbitrary<string> {
  return fc
    .tuple(storableString(0, Math.max(0, max - 1)), fc.constantFrom(...UNSTORABLE_CHARS), fc.nat())
    .map(([s, bad, at]) => {
      const chars = [...s];
      chars.splice(at % (chars.length + 1), 0, bad);
      return truncateUnits(chars.join(""), max);
    })
    .filter((s) => UNSTORABLE_CHARS.some((c) => s.includes(c)));
}

/** Too long by every count: more than `max` UTF-16 units and more than `max` code points (BMP only). */
export function tooLongString(max: number, upTo = 10_000): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom("a", "é", "\u0645", "\u200f", " ", "%", "\ufeff"), fc.integer({ min: max + 1, max: upTo }), storableString(0, 8))
    .map(([ch, n, tail]) => ch.repeat(n) + tail.replace(/[\ud800-\udfff]/g, "x"));
}

/** A JSON number token whose value is not an integer in 0 … 2^53−1 (JSON.parse is the judge). */
export const badIntegerToken: fc.Arbitrary<Raw> = fc
  .oneof(
    fc.integer({ min: -MAX_SAFE, max: -1 }).map(String),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d)).map(String),
    fc.bigInt({ min: 2n ** 53n, max: 10n ** 30n }).map(String),
    fc.constantFrom("-1", "0.5", "1.5", "-0.5", "1e-3", "1.0000001", "9007199254740992", "9007199254740993", "1e16", "1e300", "1e400", "-1e400", "-1e3", "2e-308", "5e-324", "123456789012345678901234567890"),
    fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 16, max: 400 })).map(([m, e]) => `${m}e${e}`),
    fc.tuple(fc.integer({ min: 1, max: 999 }), fc.integer({ min: 1, max: 30 })).map(([m, e]) => `${m}e-${e}`),
  )
  .filter((t) => {
    const n = Number(t);
    return !(Number.isSafeInteger(n) && n >= 0);
  })
  .map((t) => new Raw(t));

/** JSON that is nested `depth` levels deep, arrays or objects. */
export function nested(depth: number, kind: "array" | "object"): Raw {
  return new Raw(kind === "array" ? "[".repeat(depth) + "]".repeat(depth) : '{"a":'.repeat(depth) + "1" + "}".repeat(depth));
}

/** 1,000 – `max` levels of nesting. */
export const deepNesting = (max = 20_000) =>
  fc.tuple(fc.integer({ min: 1000, max }), fc.constantFrom("array" as const, "object" as const)).map(([d, k]) => nested(k === "object" ? Math.floor(d / 5) : d, k));

/** A well-formed JSON value that is not a string. */
export const nonString: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.constant(new Entries([["a", 1]])),
  fc.constant(new Entries([])),
  deepNesting(3000),
);

/** A well-formed JSON value that is not a number. */
export const nonNumber: fc.Arbitrary<unknown> = fc.oneof(
  storableString(0, 20),
  fc.constantFrom("1", "0", "1e3", " 1", "0x10"),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.nat(), { maxLength: 3 }),
  fc.constant(new Entries([["value", 1]])),
  deepNesting(3000),
);

/** Tokens that make the JSON text around them malformed. */
export const malformedToken: fc.Arbitrary<Raw> = fc
  .constantFrom(
    "NaN", "Infinity", "-Infinity", "01", "00", "0x10", ".5", "5.", "+1", "1e", "1e+", "--1", "'a'", "undefined", "True", "nul",
    '"unterminated', "1_000", "\uff11", '"\\x41"', '"\\u12"', '"a\u0001b"', '"line\nbreak"', '"tab\there"', "[1,]", "[,1]", "{,}", '{"a"}',
    '{"a":1,}', '{"a" 1}', "[1 2]", "}", "]", "//x", "/*x*/1",
  )
  .map((t) => new Raw(t));

/** JSON.stringify's escapes for what Postgres cannot store. */
const UNSTORABLE_JSON = /\\u0000|\\ud[89a-f][0-9a-f]{2}/i;

/** Extra fields an item may carry (ignored by the API), never named like a real field. */
export function extraFields(reserved: readonly string[], maxString = 2000): fc.Arbitrary<[string, unknown][]> {
  const key = storableString(0, 30).filter((k) => !reserved.includes(k));
  const value = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }).filter((v) => !UNSTORABLE_JSON.test(JSON.stringify(v) ?? "")),
    // Deep, and still within MAX_PRODUCT_DEPTH (1,000) when it is a field of a product (one level itself).
    fc.constant(nested(999, "array")),
    sizedString(0, maxString),
  );
  return fc.array(fc.tuple(key, value), { maxLength: 3 });
}
