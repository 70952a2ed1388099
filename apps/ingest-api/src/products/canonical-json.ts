/**
 * The RFC 8785 (JCS) canonical form of one JSON text, already known to be valid JSON: no whitespace,
 * object members sorted by their names' UTF-16 code units, strings and numbers written the way
 * ECMAScript's JSON.stringify writes them (`1.0`, `1` and `1e0` are all `1`; `"\u0041"` is `"A"`). Two
 * texts with one canonical form are the same document, whatever their key order, spacing or escapes.
 *
 * Two choices where JCS is silent or would be wrong for Tally: a repeated member name keeps its last
 * value (as JSON.parse and Postgres's jsonb do); and a number a double cannot hold exactly (Tally stores
 * `12345678901234567890123` or `1e400` exactly, where JCS would round them to a double, making two
 * different documents one) is written as its exact value in a normalized scientific form instead, so
 * only spellings of the same value match.
 */
export function canonicalJson(text: string): string {
  let at = 0;
  const skipSpace = () => {
    while (at < text.length && (text[at] === " " || text[at] === "\t" || text[at] === "\n" || text[at] === "\r")) at++;
  };
  const string = (): string => {
    const start = at++;
    while (text[at] !== '"') at += text[at] === "\\" ? 2 : 1;
    at++;
    return JSON.parse(text.slice(start, at)) as string;
  };
  const value = (): string => {
    skipSpace();
    const c = text[at];
    if (c === "{") {
      at++;
      const members = new Map<string, string>();
      skipSpace();
      if (text[at] === "}") {
        at++;
        return "{}";
      }
      for (;;) {
        skipSpace();
        const name = string();
        skipSpace();
        at++; // the colon
        members.delete(name); // the last of a repeated name wins
        members.set(name, value());
        skipSpace();
        if (text[at++] === "}") break;
      }
      const names = [...members.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${names.map((n) => `${JSON.stringify(n)}:${members.get(n)}`).join(",")}}`;
    }
    if (c === "[") {
      at++;
      const elements: string[] = [];
      skipSpace();
      if (text[at] === "]") {
        at++;
        return "[]";
      }
      for (;;) {
        elements.push(value());
        skipSpace();
        if (text[at++] === "]") break;
      }
      return `[${elements.join(",")}]`;
    }
    if (c === '"') return JSON.stringify(string());
    for (const literal of ["true", "false", "null"]) {
      if (text.startsWith(literal, at)) {
        at += literal.length;
        return literal;
      }
    }
    NUMBER.lastIndex = at;
    const number = NUMBER.exec(text)?.[0] ?? "";
    at += number.length;
    return canonicalNumber(number);
  };
  return value();
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** ECMAScript's form of the double a number text names, if it names it exactly; else its exact value, normalized. */
function canonicalNumber(text: string): string {
  const double = Number(text);
  const exact = exactDecimal(text);
  if (Number.isFinite(double) && sameDecimal(exact, exactDecimal(String(double)))) return String(double); // -0 is "0", as JCS says
  return `${exact.negative ? "-" : ""}${exact.digits[0] ?? "0"}${exact.digits.length > 1 ? `.${exact.digits.slice(1)}` : ""}e${exact.exponent + exact.digits.length - 1}`;
}

interface Decimal {
  negative: boolean;
  /** Significant digits, no leading or trailing zeros ("" for zero). */
  digits: string;
  /** The value is digits × 10^exponent. */
  exponent: number;
}

function exactDecimal(text: string): Decimal {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match) return { negative: false, digits: "", exponent: 0 };
  const [, sign = "", whole = "", fraction = "", exp = "0"] = match;
  let digits = (whole + fraction).replace(/^0+/, "");
  let exponent = Number(exp) - fraction.length;
  const trimmed = digits.replace(/0+$/, "");
  exponent += digits.length - trimmed.length;
  digits = trimmed;
  return { negative: sign === "-" && digits !== "", digits, exponent: digits === "" ? 0 : exponent };
}

const sameDecimal = (a: Decimal, b: Decimal) => a.negative === b.negative && a.digits === b.digits && a.exponent === b.exponent;
