import { randomBytes } from "node:crypto";

/**
 * The request bodies the load drivers send. Every event adds exactly 1 to a column the bench sums
 * (a message's count, a counter's requests per domain, a flow's bytes_tx), so "every event is
 * visible" is one `sum()` reaching the number of events acknowledged. Each phase writes its own
 * range (customers, minutes, flow hour), so phases never see each other's events.
 */
/** `message-keyed`: a single message with an Idempotency-Key of its own (a request of its own: never coalesced). */
/** `products`: small catalogue updates, each body of `batch` products with ids never used before (so never a 403). */
export type BodyKind = "message" | "message-keyed" | "messages-array" | "messages-ndjson" | "counters" | "flows" | "products";

export interface BodyShape {
  kind: BodyKind;
  /** Events per request (1 for `message`). */
  batch: number;
  /** Messages: first customerId of the phase. Counters: first Unix second. Flows: the `hour`. Products: the ids' prefix (`p<base>-`). */
  base: number;
}

/** Customers per messages phase × 4 types: the distinct rollup keys a phase touches. */
export const MESSAGE_CUSTOMERS = 1_000;
const MESSAGE_TYPES = ["A", "B", "C", "D"] as const;
/** Counters: domains in the pool, domains per counter, seconds the timestamps spread over. */
const COUNTER_DOMAINS = 1_000;
const DOMAINS_PER_COUNTER = 3;
export const COUNTER_SPREAD_SECONDS = 600;
const FLOW_APPS = 50;
const FLOW_VPCS = 4;

export const CONTENT_TYPES: Record<BodyKind, string> = {
  message: "application/json",
  "message-keyed": "application/json",
  "messages-array": "application/json",
  "messages-ndjson": "application/x-ndjson",
  counters: "application/json",
  flows: "application/json",
  products: "application/json",
};

export const PATHS: Record<BodyKind, string> = {
  message: "/v1/messages",
  "message-keyed": "/v1/messages",
  "messages-array": "/v1/messages",
  "messages-ndjson": "/v1/messages",
  counters: "/v1/counters",
  flows: "/v1/flows",
  products: "/v1/products",
};

/**
 * UUIDs from a random per-process prefix and a counter: unique across processes and runs, and far
 * cheaper than randomUUID() at hundreds of thousands per second (the driver shares the CPU with the
 * system it measures). Version 4 and variant bits are set so they are RFC 9562 UUIDs.
 */
export function uuidSource(): () => string {
  const r = randomBytes(8).toString("hex");
  const prefix = `${r.slice(0, 8)}-${r.slice(8, 12)}-4${r.slice(12, 15)}-8${r.slice(1, 4)}-`;
  let n = 0;
  return () => prefix + (n++).toString(16).padStart(12, "0");
}

/** The n-th message of a phase: its customer and type (MESSAGE_CUSTOMERS × 4 keys, round robin). */
export function messageKey(n: number, base: number): { customerId: number; type: string } {
  return { customerId: base + (n % MESSAGE_CUSTOMERS), type: MESSAGE_TYPES[Math.floor(n / MESSAGE_CUSTOMERS) % MESSAGE_TYPES.length] ?? "A" };
}

/** The n-th counter of a phase: its second and its DOMAINS_PER_COUNTER domains (each counted 1). */
export function counterAt(n: number, base: number): { timestamp: number; domains: string[] } {
  const domains = Array.from({ length: DOMAINS_PER_COUNTER }, (_, d) => `d${(n * DOMAINS_PER_COUNTER + d) % COUNTER_DOMAINS}.example`);
  return { timestamp: base + (n % COUNTER_SPREAD_SECONDS), domains };
}

/** The n-th flow's key: 50 sources × 50 destinations × 4 VPCs = 10,000 keys per phase. */
export function flowKey(n: number): { srcApp: string; destApp: string; vpcId: string } {
  return {
    srcApp: `app-${n % FLOW_APPS}`,
    destApp: `app-${Math.floor(n / FLOW_APPS) % FLOW_APPS}`,
    vpcId: `vpc-${Math.floor(n / (FLOW_APPS * FLOW_APPS)) % FLOW_VPCS}`,
  };
}

/** A generator of request bodies of one shape. */
export function bodySource(shape: BodyShape): () => string {
  const uuid = uuidSource();
  let i = 0;
  const message = () => {
    const { customerId, type } = messageKey(i++, shape.base);
    return `{"customerId":${customerId},"type":"${type}","amount":"1.250","uuid":"${uuid()}"}`;
  };
  const counter = () => {
    const { timestamp, domains } = counterAt(i++, shape.base);
    return `{"timestamp":${timestamp},${domains.map((d) => `"${d}":1`).join(",")}}`;
  };
  const flow = () => {
    const { srcApp, destApp, vpcId } = flowKey(i++);
    return `{"src_app":"${srcApp}","dest_app":"${destApp}","vpc_id":"${vpcId}","bytes_tx":1,"bytes_rx":2,"hour":${shape.base}}`;
  };
  // Unique across driver processes and runs: the uuid source's random prefix, then a counter.
  const product = () => `{"id":"p${shape.base}-${uuid()}","name":"bench product","price":"12.50","stock":${i++ % 100}}`;
  const many = (one: () => string) => Array.from({ length: shape.batch }, one);
  switch (shape.kind) {
    case "message":
    case "message-keyed":
      return message;
    case "messages-array":
      return () => `[${many(message).join(",")}]`;
    case "messages-ndjson":
      return () => `${many(message).join("\n")}\n`;
    case "counters":
      return () => `[${many(counter).join(",")}]`;
    case "flows":
      return () => `[${many(flow).join(",")}]`;
    case "products":
      return () => `[${many(product).join(",")}]`;
  }
}

/** How much one event adds to the summed column: counters add 1 per domain. */
export function sumPerEvent(kind: BodyKind): number {
  return kind === "counters" ? DOMAINS_PER_COUNTER : 1;
}
