import fc from "fast-check";
import { requestCase, type RequestCase } from "../request-case.js";
import { requestIdHeader } from "./envelopes.js";
import { MAX_SAFE, storableString } from "./values.js";

/** A query parameter; `raw` values are written as given (odd percent-encodings), others encoded. */
type Param = [key: string, value: string, raw?: boolean];

const HOUR = 3_600_000;
const encode = (s: string) => encodeURIComponent(s);

function queryString(params: readonly Param[]): string {
  return params.map(([k, v, raw]) => (raw ? `${k}=${v}` : `${encode(k)}=${encode(v)}`)).join("&");
}

function get(path: string, label: string, params: readonly Param[], extra: Record<string, string>, expect: number[], paths?: string[]): RequestCase {
  const qs = queryString(params);
  return requestCase({ target: "query", method: "GET", path: qs ? `${path}?${qs}` : path, label, headers: extra, expect, ...(paths ? { paths } : {}) });
}

/** Parameters nobody reads: they change nothing, however odd. */
const ignoredParams: fc.Arbitrary<Param[]> = fc.array(
  fc.oneof(
    fc.tuple(storableString(1, 10).map((k) => `x_${k}`), storableString(0, 20)).map(([k, v]): Param => [k, v]),
    fc.constantFrom<Param>(["%ZZ", "1", true], ["x", "%E0%A4%A", true], ["", "", true], ["x[]", "1"], ["x", "%", true], ["y", "a%00b", true], ["__proto__", "1"], ["x", "1e3"]),
  ),
  { maxLength: 3 },
);

/** Instants on a whole UTC hour, written the many ways ISO-8601 allows. */
const hourInstant = fc.tuple(fc.integer({ min: 262_968, max: 1_139_544 }), fc.constantFrom("date-time", "minutes", "hour-only", "millis", "offset", "lower", "date")).map(([h, style]) => {
  const ms = style === "date" ? Math.floor(h / 24) * 24 * HOUR : h * HOUR;
  const iso = new Date(ms).toISOString();
  const text = {
    "date-time": iso.replace(".000Z", "Z"),
    minutes: iso.slice(0, 16) + "Z",
    "hour-only": iso.slice(0, 13),
    millis: iso,
    offset: `${new Date(ms + HOUR).toISOString().slice(0, 16)}+01:00`,
    lower: iso.replace("T", "t").replace("Z", "z"),
    date: iso.slice(0, 10),
  }[style];
  return { ms, text };
});

/** Not an ISO-8601 instant on a whole hour. */
const badHourInstant: fc.Arbitrary<Param[1] | [string, true]> = fc.oneof(
  fc.constantFrom(
    "2026-02-30", "2026-13-01", "2026-00-10", "2026-11-31", "2026-11-23T24:00:00Z", "2026-11-23T23:60Z", "2026-11-23T14:30:00Z", "2026-11-23T14:00:01Z",
    "2026-11-23T14:00:00.001Z", "2026-11-23T14:00:00.0001Z", "2026-11-23T14:00:00+05:30", "2026-11-23 14:00", "23/11/2026", "1e3", "", "now",
    "2026-11-23T14:00:00Zjunk", "-002026-11-23", "2026-W47", "2026-327", "1606694400", "2026-11-23T14:00:00ZZ", "2026-1-1", "2026-11-23T", " 2026-11-23", "２０２６-11-23",
  ),
  fc.constantFrom<[string, true]>(["%ZZ", true], ["2026-11-23%00", true], ["2026-11-23T14%3A00%3A00Z%", true]),
  fc.string({ maxLength: 40 }).filter((s) => !/^\d{4}-\d{2}-\d{2}/.test(s)),
  fc.integer({ min: 1000, max: 3000 }).map((n) => "2026-11-23" + "0".repeat(n)),
);
/** Not on a whole hour, but on a whole minute: a right start for window=minute. */
const ON_A_MINUTE = ["2026-11-23T14:30:00Z", "2026-11-23T14:00:00+05:30"];
/** Not on the messages rollup's quarter-hour grid (where 14:30 and +05:30 are). */
const badQuarterInstant = fc.oneof(badHourInstant.filter((v) => !ON_A_MINUTE.includes(v as string)), fc.constantFrom("2026-11-23T14:10:00Z", "2026-11-23T14:00:00+05:20", "2026-11-23T14:15:01Z"));
const asParam = (key: string, v: string | [string, true]): Param => (typeof v === "string" ? [key, v] : [key, v[0], true]);

const badDigits: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("-1", "1.5", "1e3", "abc", "", " 1", "0x1", "+1", "9007199254740992", "99999999999999999", "１", "1,2", "NaN", "Infinity"),
  fc.integer({ min: -MAX_SAFE, max: -1 }).map(String),
  fc.stringMatching(/^[1-9]\d{16,40}$/),
);
const badPage = fc.oneof(badDigits, fc.constant("0"), fc.constant("00"));
const badSize = (max: number) => fc.oneof(badDigits, fc.constantFrom("0", String(max + 1)), fc.integer({ min: max + 1, max: MAX_SAFE }).map(String));

/** A change that makes a query invalid; `crossField` ones are only checked once every field parses, so they are named only when alone. */
type Mutation = (params: Param[]) => { params: Param[]; path: string; crossField?: boolean; touched?: string[] };
const without = (key: string): Mutation => (p) => ({ params: p.filter(([k]) => k !== key), path: key });
const replacing = (key: string, value: Param): Mutation => (p) => ({ params: [...p.filter(([k]) => k !== key), value], path: key });
const twice = (key: string, second: string): Mutation => (p) => ({ params: p.some(([k]) => k === key) ? [...p, [key, second]] : [...p, [key, second], [key, second]], path: key });
const bracketed = (key: string): Mutation => (p) => ({ params: [...p.filter(([k]) => k !== key), [`${key}[]`, p.find(([k]) => k === key)?.[1] ?? "x"]], path: key });

/** Applies one to three mutations; each makes the query invalid and names its parameter. */
function mutated(label: string, route: string, base: fc.Arbitrary<Param[]>, mutations: fc.Arbitrary<Mutation>): fc.Arbitrary<RequestCase> {
  return fc.tuple(base, fc.array(mutations, { minLength: 1, maxLength: 3 }), ignoredParams, fc.nat(), requestIdHeader).map(([params, muts, ignored, seed, extra]) => {
    let current = params;
    // A later mutation may set a parameter an earlier one broke (cursor with page sets page=1): the last one decides.
    const paths = new Set<string>();
    for (const m of muts) {
      const r = m(current);
      current = r.params;
      for (const key of r.touched ?? [r.path]) paths.delete(key);
      if (!r.crossField || muts.length === 1) paths.add(r.path);
    }
    const all = [...current, ...ignored];
    const shuffled = all.map((p, i) => [(seed * (i + 7)) % 101, p] as const).sort((a, b) => a[0] - b[0]).map(([, p]) => p);
    return get(route, label, shuffled, extra, [400, 422], [...paths]);
  });
}

/** A whole hour plus a fraction of a second finer than a millisecond: `…T14:00:00.0001Z` is not on a whole hour. */
const finerThanMs = (ms: number, digits: number, last: number) => `${new Date(ms).toISOString().slice(0, 19)}.${"0".repeat(digits - 1)}${last}Z`;
const subMillisecond = fc.tuple(hourInstant, fc.integer({ min: 4, max: 9 }), fc.integer({ min: 1, max: 9 })).map(([h, digits, last]) => finerThanMs(h.ms, digits, last));

export function messagesStatsQueries(): fc.Arbitrary<RequestCase> {
  const base = fc
    .tuple(hourInstant, fc.integer({ min: 1, max: 24 * 400 }), fc.option(fc.maxSafeNat()), fc.option(storableString(0, 128)), fc.option(fc.integer({ min: 1, max: 1000 })), fc.option(fc.integer({ min: 1, max: 1000 })))
    .map(([from, hours, customerId, type, page, size]): Param[] => [
      ["from", from.text],
      ["to", new Date(from.ms + hours * HOUR).toISOString()],
      ...(customerId === null ? [] : [["customerId", String(customerId)] as Param]),
      ...(type === null ? [] : [["type", type] as Param]),
      ...(page === null ? [] : [["page", String(page)] as Param]),
      ...(size === null ? [] : [["size", String(size)] as Param]),
    ]);
  const mutations = fc.oneof(
    fc.constantFrom("from", "to").map(without),
    fc.tuple(fc.constantFrom("from", "to"), badQuarterInstant).map(([k, v]) => replacing(k, asParam(k, v))),
    fc.constant<Mutation>((p) => ({ params: [...p.filter(([k]) => k !== "to"), ["to", p.find(([k]) => k === "from")?.[1] ?? "2026-11-23"]], path: "to", crossField: true })),
    fc.tuple(fc.constantFrom("from", "to", "customerId", "type", "page", "size"), fc.constantFrom("1", "2026-11-23", "")).map(([k, v]) => twice(k, v)),
    fc.constantFrom("from", "to").map(bracketed),
    badDigits.map((v) => replacing("customerId", ["customerId", v])),
    // Long, but the whole request line stays under Node's 16 kB header limit (431 is Node's, before the app).
    fc.integer({ min: 129, max: 1000 }).map((n) => replacing("type", ["type", "é".repeat(n)])),
    badPage.map((v) => replacing("page", ["page", v])),
    badSize(1000).map((v) => replacing("size", ["size", v])),
  );
  const oddButValid = fc.tuple(base, fc.constantFrom("%00", "a%00b", "%ED%A0%80", "%ZZ", "%F0%9F%98%80", "%E2%80%AE", "x".repeat(128)), requestIdHeader).map(([params, type, extra]) =>
    get("/v1/stats/messages", "stats/odd-type", [...params.filter(([k]) => k !== "type"), ["type", type, true]], extra, [200, 422]),
  );
  const subMs = fc
    .tuple(hourInstant, fc.integer({ min: 1, max: 48 }), fc.constantFrom("from", "to"), fc.integer({ min: 4, max: 9 }), fc.integer({ min: 1, max: 9 }), requestIdHeader)
    .map(([from, hours, key, digits, last, extra]) => {
      const to = from.ms + hours * HOUR;
      const params: Param[] = [
        ["from", key === "from" ? finerThanMs(from.ms, digits, last) : new Date(from.ms).toISOString()],
        ["to", key === "to" ? finerThanMs(to, digits, last) : new Date(to).toISOString()],
      ];
      return get("/v1/stats/messages", "stats/sub-millisecond", params, extra, [422], [key]);
    });
  return fc.oneof({ weight: 9, arbitrary: mutated("stats/invalid-query", "/v1/stats/messages", base, mutations) }, oddButValid, subMs);
}

export function topDomainsQueries(): fc.Arbitrary<RequestCase> {
  const base = fc.tuple(fc.constantFrom("minute", "hour"), fc.option(hourInstant), fc.option(fc.integer({ min: 1, max: 100 }))).map(([window, start, limit]): Param[] => [
    ["window", window],
    ...(start === null ? [] : [["start", start.text] as Param]),
    ...(limit === null ? [] : [["limit", String(limit)] as Param]),
  ]);
  const mutations = fc.oneof(
    fc.constant(without("window")),
    fc.constantFrom("MINUTE", "Hour", "minutes", "day", "", "minute ", "min", "1", "hour,minute").map((v) => replacing("window", ["window", v])),
    // Not on a whole minute, so wrong for either window; whether it is aligned is checked across fields.
    fc
      .oneof(badHourInstant.filter((v) => !ON_A_MINUTE.includes(v as string)), fc.constantFrom("2026-11-23T14:53:30Z", "2026-11-23T14:53:00.500Z"))
      .map((v): Mutation => (p) => ({ ...replacing("start", asParam("start", v))(p), crossField: true })),
    fc.oneof(badDigits, fc.constantFrom("0", "101", "1000")).map((v) => replacing("limit", ["limit", v])),
    fc.tuple(fc.constantFrom("window", "start", "limit"), fc.constantFrom("hour", "1", "2026-11-23T14:00:00Z")).map(([k, v]) => twice(k, v)),
    fc.constant(bracketed("window")),
  );
  // A start on a whole minute but not a whole hour is wrong for window=hour.
  const offHour = fc.tuple(hourInstant, fc.integer({ min: 1, max: 59 }), requestIdHeader).map(([h, m, extra]) =>
    get("/v1/stats/domains/top", "top/start-not-on-hour", [["window", "hour"], ["start", new Date(h.ms + m * 60_000).toISOString()]], extra, [422], ["start"]),
  );
  const subMs = fc.tuple(fc.constantFrom("minute", "hour"), subMillisecond, requestIdHeader).map(([window, start, extra]) =>
    get("/v1/stats/domains/top", "top/sub-millisecond", [["window", window], ["start", start]], extra, [422], ["start"]),
  );
  return fc.oneof({ weight: 8, arbitrary: mutated("top/invalid-query", "/v1/stats/domains/top", base, mutations) }, offHour, subMs);
}

const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

export function flowsQueries(path: string): fc.Arbitrary<RequestCase> {
  const base = fc.tuple(fc.oneof(fc.nat(1000), fc.maxSafeNat()), fc.option(fc.integer({ min: 1, max: 1000 })), fc.option(fc.integer({ min: 1, max: 1000 }))).map(([hour, page, size]): Param[] => [
    ["hour", String(hour)],
    ...(page === null ? [] : [["page", String(page)] as Param]),
    ...(size === null ? [] : [["size", String(size)] as Param]),
  ]);
  const garbageCursor = fc.oneof(
    fc.string({ unit: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), maxLength: 60 }),
    fc.constantFrom([1, "a", "b"], { hour: 1 }, [1.5, "a", "b", "c"], [1, "a", "b", 3], "x", 5, null, [], [9007199254740992, "a", "b", "c"]).map(cursorOf),
    fc.constantFrom("!!!", "%ZZ", "a b", "=", "eyJ"),
  ).filter((c) => {
    try {
      const v: unknown = JSON.parse(Buffer.from(c, "base64url").toString("utf8"));
      return !(Array.isArray(v) && v.length === 4);
    } catch {
      return true;
    }
  });
  const mutations = fc.oneof(
    fc.constant(without("hour")),
    fc.oneof(badDigits, fc.constantFrom("1e3", "1.0", "")).map((v) => replacing("hour", ["hour", v])),
    badPage.map((v) => replacing("page", ["page", v])),
    badSize(1000).map((v) => replacing("size", ["size", v])),
    garbageCursor.map((c) => replacing("cursor", ["cursor", c])),
    fc.constant<Mutation>((p) => {
      const hour = Number(p.find(([k]) => k === "hour")?.[1] ?? 0);
      return { params: [...p.filter(([k]) => k !== "cursor"), ["cursor", cursorOf([hour === MAX_SAFE ? 0 : hour + 1, "a", "b", "c"])]], path: "cursor", crossField: true };
    }),
    fc.constant<Mutation>((p) => {
      const hour = Number(p.find(([k]) => k === "hour")?.[1] ?? 0);
      return { params: [...p.filter(([k]) => k !== "cursor" && k !== "page"), ["page", "1"], ["cursor", cursorOf([hour, "a", "b", "c"])]], path: "cursor", crossField: true, touched: ["cursor", "page"] };
    }),
    fc.tuple(fc.constantFrom("hour", "page", "size", "cursor"), fc.constantFrom("1", "")).map(([k, v]) => twice(k, v)),
  );
  // A cursor of the right shape holding text no key can have.
  const oddCursor = fc.tuple(fc.nat(1000), fc.constantFrom("\u0000", "a\u0000", "\ud800", "\udfff", "é", "😀", "\u202e", ""), requestIdHeader).map(([hour, s, extra]) =>
    get(path, "flows/odd-cursor", [["hour", String(hour)], ["cursor", cursorOf([hour, s, s, s])]], extra, [200, 422]),
  );
  return fc.oneof({ weight: 9, arbitrary: mutated("flows/invalid-query", path, base, mutations) }, oddCursor);
}

/** The seed's routes read no parameters: any query string is answered 200. */
export function seedStatsQueries(kind: "minutes" | "hours"): fc.Arbitrary<RequestCase> {
  const params = fc.array(fc.oneof(fc.tuple(storableString(0, 12), storableString(0, 40)).map(([k, v]): Param => [k, v]), fc.constantFrom<Param>(["%ZZ", "%ZZ", true], ["hour", "1e3"], ["from[]", "x"], ["limit", "-1"], ["a", "%00", true], ["x", "y".repeat(3000)])), { maxLength: 6 });
  return fc.tuple(fc.constantFrom(`/stats/${kind}`, `/api/stats/${kind}`), params, requestIdHeader).map(([path, p, extra]) => get(path, `seed/${kind}`, p, extra, [200]));
}

/** The statuses an id in the path may get: 400 if it cannot be decoded, 422 if too long, 404 or 200 otherwise. */
function productIdExpectation(raw: string): number[] {
  let id: string;
  try {
    id = decodeURIComponent(raw);
  } catch {
    return [400];
  }
  if (id.length > 512) return [422];
  if (id.includes("\u0000")) return [404, 422];
  return [200, 404];
}

export function productQueries(): fc.Arbitrary<RequestCase> {
  const rawId = fc.oneof(
    storableString(1, 60).map(encodeURIComponent),
    fc.constantFrom("%E0%A4%A", "%", "%Z", "%ZZ", "%ED%A0%80", "%C0%AF", "%FF", "%00", "a%00b", "%2F", "..", ".", "%2e%2e", "a%2Fb", "%F0%9F%98%80", "1", "-1", "9007199254740993", "1e3", "%20"),
    fc.integer({ min: 513, max: 1000 }).map((n) => "a".repeat(n)),
    fc.integer({ min: 400, max: 1000 }).map((n) => "%41".repeat(n)),
    fc.tuple(storableString(0, 10), fc.constantFrom("%", "%E0%A4%A", "%00", "%ED%A0%80")).map(([s, bad]) => encodeURIComponent(s) + bad),
  );
  return fc.tuple(rawId, fc.constantFrom("", "/", "?a=1&a=2", "?id=2", "?%ZZ"), requestIdHeader).map(([raw, tail, extra]) =>
    requestCase({ target: "query", method: "GET", path: `/v1/products/${raw}${tail}`, label: "products/odd-id", headers: extra, expect: productIdExpectation(raw) }),
  );
}
