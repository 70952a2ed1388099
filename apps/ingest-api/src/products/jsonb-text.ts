/**
 * What Postgres's jsonb refuses although JSON allows it, found in a product's JSON text (which
 * JSON.parse has already accepted), so that ingest refuses it (422) instead of a worker failing on it
 * after the 202. The rules are Postgres 15's own, checked against it by a differential test
 * (`test/jsonb-differential.test.ts`):
 * - a string or key with the escape `\u0000`, or an escaped surrogate that is not half of a pair
 *   (raw surrogates cannot occur: the body was decoded as strict UTF-8);
 * - a number numeric cannot hold: more than 16383 digits after the point once its exponent is
 *   applied, its first significant digit 10^131072 or beyond, or an exponent of ±(2^31−1)/2 or beyond;
 * - nesting deeper than MAX_PRODUCT_DEPTH. Postgres's own limit is its stack (max_stack_depth; about
 *   10,000 levels at the default 2MB), so a fixed, lower limit is the only one ingest can promise.
 */

/** Containers nested in one product, itself included; deeper is refused. */
export const MAX_PRODUCT_DEPTH = 1000;

export interface JsonbScan {
  /** The first thing jsonb would refuse, and where (its path, if asked for). */
  problem?: { message: string; path?: PropertyKey[] };
  /** The text of the product's top-level `id` when it is a number (the last one, as jsonb keeps the last of a repeated key). */
  idNumber?: string;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_CURLY = 0x7b;
const CLOSE_CURLY = 0x7d;
const OPEN_SQUARE = 0x5b;
const CLOSE_SQUARE = 0x5d;
const COMMA = 0x2c;
const MINUS = 0x2d;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const LOWER_U = 0x75;

/** numeric's limits: digits after the point (NUMERIC_DSCALE_MAX), base-10000 weight (int16), exponent (under INT_MAX / 2). */
const MAX_DSCALE = 16_383;
const MAX_WEIGHT = 32_767;
const MAX_EXPONENT = 1_073_741_822;

/**
 * Scans `text` (one product's JSON, already known to be valid JSON) once. With `withPath`, the problem
 * carries its path inside the product (slower: only worth it once a problem is known to exist).
 */
export function scanJsonbText(text: string, withPath = false): JsonbScan {
  // One entry per open container: whether it is an object; with paths, its current key or index too.
  const isObject: boolean[] = [];
  const path: PropertyKey[] = [];
  let expectKey = false;
  let idNext = false;
  let idNumber: string | undefined;
  const fail = (message: string): JsonbScan => ({ problem: { message, ...(withPath ? { path: [...path] } : {}) } });
  // Without a backslash anywhere, no string holds an escape: each ends at the next quote, found
  // natively rather than a character at a time (most of a product's bytes are in its strings).
  const escapes = text.includes("\\");

  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i;
      let problem: string | undefined;
      if (!escapes) {
        const end = text.indexOf('"', i + 1);
        i = end === -1 ? text.length : end; // -1 cannot happen in valid JSON; never loop on it
      } else {
        for (i++; ; ) {
          const d = text.charCodeAt(i);
          if (d === QUOTE) break;
          if (d !== BACKSLASH) {
            i++;
          } else if (text.charCodeAt(i + 1) !== LOWER_U) {
            i += 2;
          } else {
            const unit = parseInt(text.slice(i + 2, i + 6), 16);
            const pairedLow = unit >= 0xd800 && unit <= 0xdbff && text.charCodeAt(i + 6) === BACKSLASH && text.charCodeAt(i + 7) === LOWER_U ? parseInt(text.slice(i + 8, i + 12), 16) : NaN;
            if (unit === 0) problem ??= "the escape \\u0000";
            else if ((unit >= 0xdc00 && unit <= 0xdfff) || (unit >= 0xd800 && unit <= 0xdbff && !(pairedLow >= 0xdc00 && pairedLow <= 0xdfff))) problem ??= "an unpaired surrogate escape";
            i += pairedLow >= 0xdc00 && pairedLow <= 0xdfff ? 12 : 6;
          }
        }
      }
      i++; // the closing quote
      const isKey = expectKey;
      if (isKey) {
        expectKey = false;
        const key = text.slice(start + 1, i - 1);
        const name = key.includes("\\") ? (JSON.parse(text.slice(start, i)) as string) : key;
        idNext = isObject.length === 1 && name === "id";
        if (withPath) path[path.length - 1] = name;
      } else {
        idNext = false;
      }
      if (problem) return fail(`has a ${isKey ? "key" : "string"} Postgres cannot store (${problem})`);
    } else if (c === MINUS || (c >= 0x30 && c <= 0x39)) {
      const start = i;
      let exponent = false;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === LOWER_E || d === UPPER_E) exponent = true;
        else if (!((d >= 0x30 && d <= 0x39) || d === 0x2e || d === 0x2b || d === MINUS)) break;
      }
      // Without an exponent, a number shorter than the smallest limit cannot pass one.
      if (exponent || i - start > MAX_DSCALE) {
        const problem = numericProblem(text.slice(start, i));
        if (problem) return fail(problem);
      }
      if (idNext) idNumber = text.slice(start, i);
      idNext = false;
    } else if (c === OPEN_CURLY || c === OPEN_SQUARE) {
      isObject.push(c === OPEN_CURLY);
      if (isObject.length > MAX_PRODUCT_DEPTH) return fail(`nests deeper than ${MAX_PRODUCT_DEPTH} levels`);
      expectKey = c === OPEN_CURLY;
      if (withPath) path.push(c === OPEN_CURLY ? "" : 0);
      idNext = false;
      i++;
    } else if (c === CLOSE_CURLY || c === CLOSE_SQUARE) {
      isObject.pop();
      if (withPath) path.pop();
      i++;
    } else if (c === COMMA) {
      expectKey = isObject[isObject.length - 1] === true;
      if (withPath && !expectKey) path[path.length - 1] = (path[path.length - 1] as number) + 1;
      i++;
    } else {
      // Whitespace, ':', and the letters of true, false and null.
      if (c > 0x20 && c !== 0x3a) idNext = false;
      i++;
    }
  }
  return idNumber === undefined ? {} : { idNumber };
}

/**
 * Why Postgres numeric would refuse this JSON number, or undefined. Mirrors numeric_in: the decimal
 * weight is that of the first significant digit, the scale the digits after the point, both after
 * applying the exponent.
 */
function numericProblem(token: string): string | undefined {
  const match = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(token);
  if (!match) return undefined; // not a JSON number: JSON.parse has said so already
  const [, whole = "", fraction = "", exponentText] = match;
  const exponent = exponentText === undefined ? 0 : Number(exponentText);
  if (Math.abs(exponent) > MAX_EXPONENT) return "has a number whose exponent Postgres numeric cannot hold";
  if (Math.max(0, fraction.length - exponent) > MAX_DSCALE) return `has a number of more than ${MAX_DSCALE} digits after the point`;
  const digits = whole + fraction;
  const firstSignificant = digits.search(/[1-9]/);
  if (firstSignificant !== -1 && Math.floor((whole.length - 1 + exponent - firstSignificant) / 4) > MAX_WEIGHT) {
    return "has a number too large for Postgres numeric (10^131072 or more)";
  }
  return undefined;
}

/**
 * Whether a numeric id's JSON text is exactly a safe integer (`7`, `7.0`, `7e0`, `70e-1`): its value, not
 * its nearest double, which for `9007199254740990.5` is an integer Postgres would round another way.
 */
export function isExactSafeInteger(token: string): boolean {
  const match = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(token);
  if (!match) return false;
  const [, whole = "", fraction = "", exponentText] = match;
  const exponent = exponentText === undefined ? 0 : Number(exponentText);
  // The magnitude is digits × 10^shift.
  const digits = (whole + fraction).replace(/^0+/, "");
  if (digits === "") return true;
  const shift = exponent - fraction.length;
  if (shift < 0) {
    if (-shift > digits.length || !/^0+$/.test(digits.slice(shift))) return false;
  } else if (digits.length + shift > 16) {
    return false;
  }
  const value = shift < 0 ? BigInt(digits.slice(0, shift)) : BigInt(digits) * 10n ** BigInt(shift);
  return value <= BigInt(Number.MAX_SAFE_INTEGER);
}
