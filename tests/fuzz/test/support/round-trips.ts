import fc from "fast-check";
import type { Accepted } from "./acceptance.js";
import { JSON_TYPES, NDJSON_TYPES } from "./arbitraries/envelopes.js";
import { Entries, jsonText, parsedValue, Raw } from "./json-text.js";
import { requestCase } from "./request-case.js";

/** Canonical JSON: keys sorted, so documents compare whatever order jsonb keeps them in. Iterative: documents nest 9,000 deep. */
function canonical(root: unknown): string {
  const out: string[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v instanceof Text) out.push(v.text);
    else if (Array.isArray(v)) {
      out.push("[");
      stack.push(new Text("]"));
      for (let i = v.length - 1; i >= 0; i--) stack.push(v[i], ...(i > 0 ? [new Text(",")] : []));
    } else if (v !== null && typeof v === "object") {
      const keys = Object.keys(v).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      out.push("{");
      stack.push(new Text("}"));
      for (let i = keys.length - 1; i >= 0; i--) stack.push((v as Record<string, unknown>)[keys[i]!], new Text(`${JSON.stringify(keys[i])}:`), ...(i > 0 ? [new Text(",")] : []));
    } else out.push(JSON.stringify(v) ?? "undefined");
  }
  return out.join("");
}

class Text {
  constructor(readonly text: string) {}
}

async function getJson(base: string, path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${base}${path}`);
  const text = await res.text();
  return { status: res.status, body: res.headers.get("content-type")?.startsWith("application/json") ? (JSON.parse(text) as unknown) : text };
}

export type Form = "single" | "array" | "ndjson";
const formArb = fc.constantFrom<Form>("single", "array", "array", "ndjson");
const typeFor = (form: Form) => fc.constantFrom<string | undefined>(...(form === "ndjson" ? NDJSON_TYPES : [undefined, ...JSON_TYPES]));

/** Items in a body of the given form, with a content type that fits it. */
export function bodyTemplate<T>(items: fc.Arbitrary<T>, maxItems: number, forms = formArb) {
  return fc.tuple(fc.array(items, { minLength: 1, maxLength: maxItems }), forms).chain(([list, form]) => typeFor(form).map((type) => ({ items: list, form, type })));
}

function body(values: unknown[], form: Form): Buffer {
  if (form === "single" && values.length === 1) return Buffer.from(jsonText(values[0]));
  if (form === "ndjson") return Buffer.from(values.map(jsonText).join("\n"));
  return Buffer.from(jsonText(values));
}
const headersFor = (type: string | undefined): Record<string, string> => (type === undefined ? {} : { "content-type": type });

let sequence = 0;
/** A number no other request of this run has had. */
const fresh = () => ++sequence;

/** Messages: uuids made unique, then every (customer, type) checked in the stats of the hours around now. */
export function messagesRoundTrip(queryUrl: string, path = "/v1/messages") {
  const ledger = new Map<string, { customerId: number; type: string; count: number; milli: bigint }>();
  const fromHour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000).toISOString();
  return (t: { items: Entries[]; form: Form; type: string | undefined }): Accepted => {
    const messages = t.items.map((m) => {
      const n = fresh();
      const uuid = String(parsedValue(m.last("uuid")));
      const unique = /^[0f-]+$/i.test(uuid) ? `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}` : `${uuid.slice(0, 24)}${n.toString(16).padStart(12, "0")}`;
      return m.with("uuid", unique);
    });
    return {
      request: requestCase({ path, label: "messages/valid", body: body(messages, t.form), headers: headersFor(t.type), expect: [202] }),
      items: messages.length,
      record: () => {
        for (const m of messages) {
          const customerId = Number(parsedValue(m.last("customerId")));
          const type = String(m.last("type"));
          const [whole = "0", frac = ""] = String(m.last("amount")).split(".");
          const key = `${customerId}\u0001${type}`;
          const entry = ledger.get(key) ?? { customerId, type, count: 0, milli: 0n };
          entry.count++;
          entry.milli += BigInt(whole) * 1000n + BigInt(frac.padEnd(3, "0"));
          ledger.set(key, entry);
        }
      },
      verify: async () => {
        const customers = new Set(messages.map((m) => Number(parsedValue(m.last("customerId")))));
        const diffs: string[] = [];
        const to = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 + 7_200_000).toISOString();
        for (const customerId of customers) {
          const { body: page } = await getJson(queryUrl, `/v1/stats/messages?from=${fromHour}&to=${to}&customerId=${customerId}&size=1000`);
          const items = (page as { items: { type: string; count: number; totalAmount: string }[] }).items ?? [];
          for (const e of [...ledger.values()].filter((x) => x.customerId === customerId)) {
            const found = items.find((i) => i.type === e.type);
            const total = `${e.milli / 1000n}.${String(e.milli % 1000n).padStart(3, "0")}`;
            if (!found || found.count !== e.count || found.totalAmount !== total) {
              diffs.push(`customer ${customerId} type ${JSON.stringify(e.type)}: expected ${e.count} / ${total}, got ${found ? `${found.count} / ${found.totalAmount}` : "nothing"} (types stored: ${JSON.stringify(items.map((i) => i.type).slice(0, 5))})`);
            }
          }
        }
        return diffs;
      },
    };
  };
}

/** Counters: each counter moved to a minute of its own, then read back as that minute's top 100. */
export function countersRoundTrip(queryUrl: string, path: string) {
  const firstMinute = Date.UTC(2001, 0, 1) / 1000 + Math.floor(Math.random() * 1e6) * 3600;
  return (t: { items: Entries[]; form: Form; type: string | undefined }): Accepted => {
    const placed = t.items.map((counter) => {
      const minute = firstMinute + fresh() * 60;
      const original = parsedValue(counter.last("timestamp"));
      const second = minute + (Number(original) % 60 || 0);
      const stamp = typeof original === "string" ? String(second) : counter.last("timestamp") instanceof Raw ? new Raw(`${second}.0`) : second;
      return { minute, counter: new Entries(counter.entries.map(([k, v]) => [k, k === "timestamp" ? stamp : v])) };
    });
    return {
      request: requestCase({ path, label: "counters/valid", body: body(placed.map((p) => p.counter), t.form), headers: headersFor(t.type), expect: [202] }),
      items: placed.length,
      verify: async () => {
        const diffs: string[] = [];
        for (const { minute, counter } of placed) {
          const expected = new Map(Object.entries(parsedValue(counter) as Record<string, number>).filter(([k, v]) => k !== "timestamp" && v > 0));
          const start = new Date(minute * 1000).toISOString();
          const { body: top } = await getJson(queryUrl, `/v1/stats/domains/top?window=minute&start=${start}&limit=100`);
          const got = new Map(((top as { items?: { domain: string; requests: number }[] }).items ?? []).filter((i) => i.requests > 0).map((i) => [i.domain, i.requests]));
          for (const [domain, n] of expected) if (got.get(domain) !== n) diffs.push(`minute ${start} domain ${JSON.stringify(domain)}: expected ${n}, got ${got.get(domain) ?? "nothing"}`);
          for (const [domain, n] of got) if (!expected.has(domain)) diffs.push(`minute ${start}: unexpected domain ${JSON.stringify(domain)} (${n})`);
        }
        return diffs;
      },
    };
  };
}

/** Flows: each request in an hour of its own, read back as that hour's page of 1000. */
export function flowsRoundTrip(queryUrl: string, path: string) {
  const firstHour = 1_000_000_000 + Math.floor(Math.random() * 1e9);
  return (t: { items: Entries[]; form: Form; type: string | undefined }): Accepted => {
    const hour = firstHour + fresh();
    const flows = t.items.map((f) => f.with("hour", hour));
    return {
      request: requestCase({ path, label: "flows/valid", body: body(flows, t.form === "single" ? "array" : t.form), headers: headersFor(t.type), expect: [202] }),
      items: flows.length,
      verify: async () => {
        const expected = new Map<string, [bigint, bigint]>();
        for (const f of flows.map((x) => parsedValue(x) as Record<string, string | number>)) {
          const key = JSON.stringify([f.src_app, f.dest_app, f.vpc_id]);
          const [tx, rx] = expected.get(key) ?? [0n, 0n];
          expected.set(key, [tx + BigInt(f.bytes_tx!), rx + BigInt(f.bytes_rx!)]);
        }
        const { body: page } = await getJson(queryUrl, `/v1/flows?hour=${hour}&size=1000`);
        const items = (page as { items?: { src_app: string; dest_app: string; vpc_id: string; bytes_tx: number | string; bytes_rx: number | string }[] }).items ?? [];
        const got = new Map(items.map((i) => [JSON.stringify([i.src_app, i.dest_app, i.vpc_id]), [BigInt(i.bytes_tx), BigInt(i.bytes_rx)] as const]));
        const diffs: string[] = [];
        for (const [key, [tx, rx]] of expected) {
          const g = got.get(key);
          if (!g || g[0] !== tx || g[1] !== rx) diffs.push(`hour ${hour} ${key}: expected ${tx}/${rx}, got ${g ? `${g[0]}/${g[1]}` : "nothing"}`);
        }
        for (const key of got.keys()) if (!expected.has(key)) diffs.push(`hour ${hour}: unexpected key ${key}`);
        return diffs;
      },
    };
  };
}

/** Products: ids made unique to the request (repeats within it kept), each read back as its last document. */
export function productsRoundTrip(queryUrl: string) {
  return (t: { items: Entries[]; type: string | undefined }): Accepted => {
    const n = fresh();
    const renamed = new Map<string, string | number>();
    const products = t.items.map((p, i) => {
      const id = p.last("id") as string | number;
      const key = `${typeof id}:${id}`;
      if (!renamed.has(key)) renamed.set(key, typeof id === "number" ? (id < 0 ? -1 : 1) * (n * 1000 + i) : `p${n}-${id}`.slice(0, 512).replace(/[\ud800-\udbff]$/, ""));
      return p.with("id", renamed.get(key));
    });
    const bytes = Buffer.from(jsonText(products));
    return {
      request: requestCase({ path: "/v1/products", label: "products/valid", body: bytes, headers: headersFor(t.type), expect: [202] }),
      items: products.length,
      verify: async () => {
        const last = new Map<string, unknown>();
        for (const p of products) last.set(String(p.last("id")), parsedValue(p));
        const diffs: string[] = [];
        for (const [id, doc] of last) {
          const { status, body: got } = await getJson(queryUrl, `/v1/products/${encodeURIComponent(id)}`);
          const data = (got as { data?: unknown }).data;
          if (status !== 200 || canonical(data) !== canonical(doc)) diffs.push(`product ${JSON.stringify(id).slice(0, 80)}: ${status}, stored ${canonical(data).slice(0, 120)} instead of ${canonical(doc).slice(0, 120)}`);
        }
        return diffs;
      },
    };
  };
}
