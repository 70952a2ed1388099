import fc from "fast-check";
import { Entries, formatPath, jsonText } from "../json-text.js";
import { requestCase, type RequestCase } from "../request-case.js";
import { BOM, JSON_TYPES, NDJSON_TYPES, badEncoding, cutPoint, invalidUtf8, notJsonBytes, notJsonType, requestIdHeader, spliceInvalidUtf8, truncate } from "./envelopes.js";
import { deepNesting, malformedToken } from "./values.js";
import type { Item } from "./items.js";

/** What the hostile generators need to know about one JSON ingest route (messages, counters, flows). */
export interface JsonRoute {
  path: string;
  /** `messages`, `counters`, `flows`: the first part of each case's label. */
  kind: string;
  valid: fc.Arbitrary<Item>;
  invalid: fc.Arbitrary<Item>;
  /** A valid item with UTF8_MARK inside one of its free-text strings. */
  utf8Carrier: fc.Arbitrary<Item>;
  /** Flows: the body must be an array. */
  arrayOnly?: boolean;
  /** Flows: more items than this is 413. */
  maxItems?: number;
  maxBodyBytes: number;
}

interface Shaped {
  text: string;
  ndjson: boolean;
  paths: string[];
}

/** Items as a body: one object (unless the route wants an array), a JSON array, or NDJSON lines. */
function shape(route: JsonRoute, items: Item[], form: "single" | "array" | "ndjson"): Shaped {
  // One item stands alone only if it cannot be read as a list itself.
  const single = form === "single" && items.length === 1 && !route.arrayOnly && !Array.isArray(items[0]!.value);
  const paths = items.flatMap((item, i) => item.bad.map((p) => formatPath(single ? p : [i, ...p])));
  if (single) return { text: jsonText(items[0]!.value), ndjson: false, paths };
  if (form === "ndjson") return { text: items.map((i) => jsonText(i.value)).join("\n"), ndjson: true, paths };
  return { text: jsonText(items.map((i) => i.value)), ndjson: false, paths };
}

const form = fc.constantFrom("single" as const, "array" as const, "array" as const, "ndjson" as const);
const contentType = (ndjson: boolean) => fc.constantFrom<string | undefined>(...(ndjson ? NDJSON_TYPES : [undefined, ...JSON_TYPES]));

function post(route: JsonRoute, label: string, body: Buffer, type: string | undefined, extra: Record<string, string>, expect: number[], more: Partial<RequestCase> = {}): RequestCase {
  const headers = { ...(type === undefined ? {} : { "content-type": type }), ...extra };
  return requestCase({ path: route.path, label: `${route.kind}/${label}`, body, headers, expect, ...more });
}

/** Every hostile body for one JSON ingest route; each one is invalid by the README, whatever else it carries. */
export function hostileJsonBodies(route: JsonRoute): fc.Arbitrary<RequestCase> {
  const items = fc.array(fc.oneof(route.valid, route.invalid), { minLength: 1, maxLength: 4 });
  const invalidItems = fc.tuple(fc.array(route.valid, { maxLength: 3 }), fc.array(route.invalid, { minLength: 1, maxLength: 3 }), fc.nat()).map(([good, bad, at]) => {
    const all = [...good];
    bad.forEach((b, i) => all.splice((at + 5 * i) % (all.length + 1), 0, b));
    return all;
  });
  const validBody = fc.tuple(fc.array(route.valid, { minLength: 1, maxLength: 3 }), form).map(([list, f]) => shape(route, list, f));
  const anyBody = fc.tuple(items, form).map(([list, f]) => shape(route, list, f));
  const ids = requestIdHeader;

  // Big or slow cases (compression, oversized bodies, deep nesting) come a third as often as the rest.
  const heavy = new Set<fc.Arbitrary<RequestCase>>();
  const rare = (arb: fc.Arbitrary<RequestCase>) => (heavy.add(arb), arb);
  const strategies: fc.Arbitrary<RequestCase>[] = [
    // Well-formed JSON, some item invalid: 422 naming the bad fields.
    fc.tuple(invalidItems, form, ids).chain(([list, f, extra]) => {
      const s = shape(route, list, f);
      return contentType(s.ndjson).map((type) => post(route, "invalid-item", Buffer.from(s.text), type, extra, [422], { paths: s.paths.slice(0, 100) }));
    }),
    // Cut off anywhere: 400. (A proper prefix of an object or array text is never JSON.)
    fc.tuple(items, form, cutPoint, ids).chain(([list, f, at, extra]) => {
      let s = shape(route, list, f);
      const last = s.ndjson ? s.text.split("\n").at(-1)! : s.text;
      if (!/^[[{]/.test(last)) s = shape(route, list, "array");
      const text = s.ndjson ? last : s.text;
      const prefix = s.ndjson ? s.text.slice(0, s.text.length - text.length) : "";
      const body = Buffer.concat([Buffer.from(prefix), truncate(text, at)]);
      // An NDJSON body cut right at a line start is the earlier lines, which may all be valid.
      const cut = s.ndjson && body.length === Buffer.byteLength(prefix) ? Buffer.concat([body, Buffer.from("{")]) : body;
      return contentType(s.ndjson).map((type) => post(route, "truncated", cut, type, extra, [400]));
    }),
    // A token JSON does not have, in place of a field's value: 400.
    fc.tuple(route.valid, malformedToken, fc.nat(), ids).chain(([item, token, at, extra]) => {
      const entries = item.value instanceof Entries ? [...item.value.entries] : [];
      if (entries.length > 0) entries[at % entries.length] = [entries[at % entries.length]![0], token];
      const body = entries.length > 0 ? jsonText(new Entries(entries)) : `{"x":${token.text}}`;
      return contentType(false).map((type) => post(route, "malformed-token", Buffer.from(route.arrayOnly ? `[${body}]` : body), type, extra, [400]));
    }),
    fc.tuple(notJsonBytes, ids).map(([bytes, extra]) => post(route, "random-bytes", bytes, "application/json", extra, [400])),
    fc.tuple(fc.constantFrom("", " ", "\n\n", "\t \r\n", "\ufeff"), contentType(false), ids).map(([text, type, extra]) => post(route, "empty", Buffer.from(text), type, extra, [400])),
    // Invalid UTF-8 inside a string of an otherwise valid item: not JSON text (RFC 8259 §8.1), 400.
    fc.tuple(route.utf8Carrier, invalidUtf8, form, ids).chain(([item, bad, f, extra]) => {
      const s = shape(route, [item], f === "ndjson" ? "array" : f);
      return contentType(false).map((type) => post(route, "invalid-utf8-in-string", spliceInvalidUtf8(s.text, bad), type, extra, [400]));
    }),
    // Invalid UTF-8 outside any string (before the body, after its first bracket, after its end): 400.
    fc.tuple(fc.array(route.valid, { minLength: 1, maxLength: 3 }), invalidUtf8, fc.constantFrom("start", "inside", "end"), ids).map(([list, bad, where, extra]) => {
      const text = shape(route, list, "array").text;
      const at = where === "start" ? 0 : where === "inside" ? 1 : text.length;
      return post(route, "invalid-utf8-between-tokens", Buffer.concat([Buffer.from(text.slice(0, at)), bad, Buffer.from(text.slice(at))]), "application/json", extra, [400]);
    }),
    // A byte order mark before an already invalid body.
    fc.tuple(invalidItems, ids).map(([list, extra]) => {
      const s = shape(route, list, "array");
      return post(route, "bom", Buffer.concat([BOM, Buffer.from(s.text)]), "application/json", extra, [400, 422]);
    }),
    // A valid body declared as something else: 415.
    fc.tuple(validBody, notJsonType, ids).map(([s, type, extra]) => post(route, "content-type", Buffer.from(s.text), type, extra, [415])),
    rare(
      fc.tuple(validBody, badEncoding, ids).map(([s, enc, extra]) =>
        post(route, `content-encoding-${enc.encoding}`, enc.body(Buffer.from(s.text)), s.ndjson ? NDJSON_TYPES[0] : "application/json", { ...extra, "content-encoding": enc.encoding }, enc.expect),
      ),
    ),
    // Over MAX_BODY_BYTES, valid or not, declared or chunked: 413.
    rare(
      fc.tuple(anyBody, fc.oneof(fc.integer({ min: 1, max: 4096 }), fc.integer({ min: 1, max: route.maxBodyBytes })), fc.boolean(), ids).map(([s, over, chunked, extra]) => {
        const pad = Math.max(0, route.maxBodyBytes + over - Buffer.byteLength(s.text));
        return post(route, chunked ? "oversized-chunked" : "oversized", Buffer.from(s.text + " ".repeat(pad)), s.ndjson ? NDJSON_TYPES[0] : "application/json", extra, [413], { chunked });
      }),
    ),
    // Deeply nested: an array of arrays is well-formed but holds no object (422); left open, it is malformed (400).
    rare(fc.tuple(deepNesting(Math.floor(route.maxBodyBytes / 2) - 10), fc.boolean(), ids).map(([deep, balanced, extra]) =>
      balanced
        ? post(route, "deep-nesting", Buffer.from(`[${deep.text}]`), "application/json", extra, [422], { paths: deep.text.startsWith("[") ? ["[0]"] : [] })
        : post(route, "deep-nesting-unclosed", Buffer.from(`[${deep.text.slice(0, deep.text.length / 2)}`), "application/json", extra, [400]),
    )),
    // NDJSON with one line that is not JSON: 400.
    fc.tuple(fc.array(route.valid, { minLength: 0, maxLength: 3 }), malformedToken, fc.nat(), ids).map(([list, token, at, extra]) => {
      const lines = list.map((i) => jsonText(i.value));
      lines.splice(at % (lines.length + 1), 0, token.text.includes("\n") ? "{x" : token.text);
      return post(route, "ndjson-bad-line", Buffer.from(lines.join("\n")), NDJSON_TYPES[0], extra, [400]);
    }),
  ];
  if (route.arrayOnly) {
    strategies.push(fc.tuple(route.valid, ids).map(([item, extra]) => post(route, "not-an-array", Buffer.from(jsonText(item.value)), "application/json", extra, [422], { paths: [""] })));
  }
  if (route.maxItems !== undefined) {
    const max = route.maxItems;
    strategies.push(
      fc.tuple(route.valid, fc.integer({ min: max + 1, max: max * 3 }), fc.nat(), ids).map(([item, n, at, extra]) => {
        // Small items, so the count is what is over the limit, not the bytes; one of them the generated one.
        const small = { src_app: "a", dest_app: "b", vpc_id: "c", bytes_tx: 1, bytes_rx: 2, hour: 3 };
        const list: unknown[] = Array.from({ length: n }, () => small);
        list[at % n] = item.value;
        return post(route, "too-many-items", Buffer.from(jsonText(list)), "application/json", extra, [413]);
      }),
    );
  }
  // Anything not meant to be over MAX_BODY_BYTES stays under it, so its own fault is the one answered.
  const fits = (arb: fc.Arbitrary<RequestCase>) => arb.filter((c) => c.expect.includes(413) || (c.body?.length ?? 0) <= route.maxBodyBytes);
  const weight = (c: fc.Arbitrary<RequestCase>) => ({ arbitrary: fits(c), weight: heavy.has(c) ? 1 : 3 });
  return fc.oneof(...strategies.map(weight));
}
