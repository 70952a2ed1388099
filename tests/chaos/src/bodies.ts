import { randomInt, randomUUID } from "node:crypto";

export const KINDS = ["messages", "counters", "flows", "products"] as const;
export type Kind = (typeof KINDS)[number];

/**
 * What one request body should add to the rollups, keyed so that every key belongs to that body alone
 * (its own customerId, domains, src_app or products): each value is a vector of exact sums.
 */
export type Effect = Map<string, bigint[]>;

/** One HTTP attempt at sending a body, as the client saw it. */
export interface Send {
  status: number | "timeout" | "network";
  /** Answered `Idempotent-Replayed: true`: the first answer to this key, again. */
  replayed?: boolean;
  retryAfter: string | null;
  startedAt: number;
  ms: number;
  detail?: string;
}

/** A request body (messages, counters, flows) and every attempt at sending it. */
export interface Body {
  kind: Kind;
  n: number;
  path: string;
  text: string;
  expected: Effect;
  sends: Send[];
  /** Sent as its Idempotency-Key on every attempt: what makes retrying counters and flows safe. */
  key?: string;
}

/** A products body: its unique product says whether (and with which acceptance number) it was applied. */
export interface ProductsBody extends Body {
  uniqueId: string;
  /** Product id as stored (integers in decimal) → the document this body should leave, the last of that id in it. */
  documents: Map<string, unknown>;
  /** Over PRODUCTS_FAST_PATH_BYTES: takes the staged path (the others the fast path). */
  large: boolean;
  /** Holds a product ingest must refuse: never accepted, whatever else happens. */
  poisoned: boolean;
}

const add = (effect: Effect, key: string, values: bigint[]) => {
  const sum = effect.get(key);
  effect.set(key, sum ? sum.map((v, i) => v + (values[i] ?? 0n)) : values);
};

/** Amount strings as the API takes them, and their value in thousandths for exact sums. */
function amount(): { text: string; thousandths: bigint } {
  const whole = randomInt(0, 1000);
  const decimals = randomInt(0, 4); // "7", "7.1", "7.12", "7.123"
  const fraction = decimals === 0 ? "" : String(randomInt(0, 10 ** decimals)).padStart(decimals, "0");
  return { text: decimals === 0 ? String(whole) : `${whole}.${fraction}`, thousandths: BigInt(whole) * 1000n + BigInt(fraction.padEnd(3, "0") || "0") };
}

const TYPES = ["A", "B", "", "café"];

/**
 * Messages of request n, all for customer n (so the rollup of customer n is this body's alone), each
 * with its own uuid; half the bodies repeat one of their messages with the uuid upper-cased, which must
 * count once. Effect key: the type; values: [count, total in thousandths].
 */
export function messagesBody(n: number): Body {
  const size = randomInt(0, 10) === 0 ? randomInt(100, 400) : randomInt(1, 30);
  const messages = Array.from({ length: size }, () => {
    const a = amount();
    const message: { customerId: number; type: string; amount: string; uuid: string } = { customerId: n, type: TYPES[randomInt(0, TYPES.length)]!, amount: a.text, uuid: randomUUID() };
    return { message, thousandths: a.thousandths };
  });
  const expected: Effect = new Map();
  for (const { message, thousandths } of messages) add(expected, message.type, [1n, thousandths]);
  const items = messages.map((m) => m.message);
  const repeated = items[randomInt(0, items.length)]!;
  if (randomInt(0, 2) === 0) items.push({ ...repeated, uuid: repeated.uuid.toUpperCase() });
  return { kind: "messages", n, path: "/v1/messages", text: JSON.stringify(items), expected, sends: [] };
}

/**
 * Counters of request n, on domains `req-n.dJ` only; some dated an hour or two back (a late counter
 * counts in its own minute and hour). Effect keys: `m|domain` and `h|domain` (the minute and hour
 * rollups, summed over buckets); values: [requests].
 */
export function countersBody(n: number, nowSeconds: number): Body {
  // One body in six counts 2^53-1 per domain, several times over: sums a double cannot hold.
  const huge = randomInt(0, 6) === 0;
  const counters = Array.from({ length: randomInt(huge ? 2 : 1, 5) }, (_, i) => {
    const late = [0, 0, 0, 3700, 7300][randomInt(0, 5)]!;
    const counter: Record<string, number | string> = { timestamp: i % 2 === 0 ? nowSeconds - late : String(nowSeconds - late) };
    for (let d = 0; d < randomInt(1, 4); d++) counter[`req-${n}.d${d}`] = huge ? Number.MAX_SAFE_INTEGER : randomInt(1, 1000);
    return counter;
  });
  const expected: Effect = new Map();
  for (const counter of counters) {
    for (const [domain, requests] of Object.entries(counter)) {
      if (domain === "timestamp") continue;
      add(expected, `m|${domain}`, [BigInt(requests)]);
      add(expected, `h|${domain}`, [BigInt(requests)]);
    }
  }
  const path = randomInt(0, 4) === 0 ? "/api/events" : "/v1/counters";
  return { kind: "counters", n, path, text: JSON.stringify(counters.length === 1 && randomInt(0, 2) === 0 ? counters[0] : counters), expected, sends: [], key: randomUUID() };
}

/** The hours flows are posted in (small integers, as the seed's clients send them). */
export const FLOW_HOURS = [910_001, 910_002, 910_003];

/**
 * Flows of request n, all with src_app `req-n`. Effect key: `hour|dest_app|vpc_id`; values:
 * [bytes_tx, bytes_rx], summed over the body's flows with that key.
 */
export function flowsBody(n: number): Body {
  // One body in six carries 2^53-1 bytes per flow on few keys: sums past what a double holds.
  const huge = randomInt(0, 6) === 0;
  const bytes = () => (huge ? Number.MAX_SAFE_INTEGER : randomInt(0, 1_000_000));
  const flows = Array.from({ length: randomInt(1, 25) }, () => ({
    src_app: `req-${n}`,
    dest_app: `d${randomInt(0, huge ? 2 : 5)}`,
    vpc_id: `vpc-${randomInt(0, 2)}`,
    bytes_tx: bytes(),
    bytes_rx: bytes(),
    hour: FLOW_HOURS[randomInt(0, FLOW_HOURS.length)]!,
  }));
  const expected: Effect = new Map();
  for (const f of flows) add(expected, `${f.hour}|${f.dest_app}|${f.vpc_id}`, [BigInt(f.bytes_tx), BigInt(f.bytes_rx)]);
  return { kind: "flows", n, path: randomInt(0, 4) === 0 ? "/flows" : "/v1/flows", text: JSON.stringify(flows), expected, sends: [], key: randomUUID() };
}

/** Product ids many bodies share: even ones strings, odd ones integers (sent as 9001 or "9001"). */
const SHARED_PRODUCTS = 24;

/**
 * Products Postgres's jsonb refuses although JSON allows them, or whose id a double would round: ingest
 * must refuse a body holding one (422), so none of its products may ever appear.
 */
const POISON = [
  (n: number) => `{"id":"p-${n}","tiny":1e-20000}`,
  (n: number) => `{"id":"p-${n}","huge":1e131072}`,
  (n: number) => `{"id":"p-${n}","nul":"a\\u0000b"}`,
  (n: number) => `{"id":"p-${n}","half":"\\ud800"}`,
  (n: number) => `{"id":"p-${n}","deep":${"[".repeat(1000)}${"]".repeat(1000)}}`,
  () => `{"id":9007199254740990.5}`,
];

/**
 * Products body n: one product only it carries (`u-n`), and a few of the shared ones, which later
 * accepted bodies overwrite. Sometimes a shared id appears twice in the body: its last document wins.
 * One body in six also carries a poison product (POISON): it is refused whole. One in four is large
 * (its own product padded past the 256 KiB PRODUCTS_FAST_PATH_BYTES): streamed through Postgres
 * staging, while the rest take the fast path through Redis, so both paths' uploads of the shared
 * products mix and "the later accepted body wins" is checked across them.
 */
export function productsBody(n: number): ProductsBody {
  const uniqueId = `u-${n}`;
  const large = randomInt(0, 4) === 0;
  const products: Record<string, unknown>[] = [{ id: uniqueId, body: n, name: `only in body ${n}`, ...(large ? { pad: "x".repeat(300_000) } : {}) }];
  for (let i = 0; i < randomInt(1, 5); i++) {
    const k = randomInt(0, SHARED_PRODUCTS);
    const id = k % 2 === 0 ? `s-${k}` : randomInt(0, 2) === 0 ? 9000 + k : String(9000 + k);
    products.push({ id, body: n, slot: i, price: `${randomInt(1, 100)}.${randomInt(10, 100)}`, ...(randomInt(0, 5) === 0 ? { blob: "x".repeat(randomInt(1, 20_000)) } : {}) });
  }
  if (randomInt(0, 4) === 0) {
    const again = products[randomInt(1, products.length)];
    if (again) products.splice(1, 0, { id: again.id, body: n, superseded: true });
  }
  const documents = new Map<string, unknown>();
  for (const p of products) documents.set(String(p.id), p); // a later element of the same id replaces an earlier one
  const text = JSON.stringify(products);
  const poison = randomInt(0, 6) === 0 ? POISON[randomInt(0, POISON.length)]!(n) : undefined;
  return { kind: "products", n, path: "/v1/products", text: poison ? `${text.slice(0, -1)},${poison}]` : text, expected: new Map(), sends: [], uniqueId, documents, poisoned: poison !== undefined, large };
}
