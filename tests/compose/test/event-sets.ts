import { randomUUID } from "node:crypto";

/** What the query API answers about one event set, with the set's own keys taken out. */
export interface Totals {
  messages: { customer: number; type: string; count: number; totalAmount: string }[];
  topDomains: { domain: string; requests: number }[];
  flows: { src_app: string; dest_app: string; vpc_id: string; bytes_tx: number; bytes_rx: number }[];
  products: Record<string, unknown>;
}

interface Request {
  path: string;
  body: unknown[];
}

/**
 * Events of every kind whose totals are known before they are sent. Set `n` uses keys of its own
 * (customers n·1000+c, a counters hour n hours back from `now`'s, flows hour 500000+n, products
 * `set<n>-<i>`) and otherwise the same shape, so set 1 counted by one worker and set 2 counted by three
 * must give equal Totals. Some message requests are sent twice: their uuids must count once.
 */
export interface EventSet {
  n: number;
  requests: Request[];
  counterHour: Date;
  flowHour: number;
  productIds: string[];
  expected: Totals;
}

const CUSTOMERS = 8;
const TYPES = ["", "A", "B"];
const MESSAGES_PER_KEY = 25;
const DOMAINS = 15;
const HOUR_MS = 3_600_000;

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const chunks = <T>(items: T[], size: number) => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
const thousandths = (t: number) => `${Math.floor(t / 1000)}.${String(t % 1000).padStart(3, "0")}`;

export function eventSet(n: number, now: number): EventSet {
  const requests: Request[] = [];

  // Messages: every key gets MESSAGES_PER_KEY, spread over the requests.
  const totals = new Map<string, { customer: number; type: string; count: number; amount: number }>();
  const messages = Array.from({ length: CUSTOMERS * TYPES.length * MESSAGES_PER_KEY }, (_, i) => {
    const customer = (i % CUSTOMERS) + 1;
    const type = TYPES[Math.floor(i / CUSTOMERS) % TYPES.length]!;
    const amount = (i % 17) * 1000 + ((i * 37) % 1000);
    const key = `${customer}|${type}`;
    const total = totals.get(key) ?? { customer, type, count: 0, amount: 0 };
    totals.set(key, { ...total, count: total.count + 1, amount: total.amount + amount });
    return { customerId: n * 1000 + customer, type, amount: thousandths(amount), uuid: randomUUID() };
  });
  const messageRequests = chunks(messages, 50).map((body) => ({ path: "/v1/messages", body }));
  requests.push(...messageRequests, ...messageRequests.slice(0, 3));

  // Counters: 120 counters within one hour, a few domains each, half by each of the two paths.
  const counterHour = new Date((Math.floor(now / HOUR_MS) - (n + 1)) * HOUR_MS);
  const requestsByDomain = new Map<string, number>();
  const counters = Array.from({ length: 120 }, (_, k) => {
    const counter: Record<string, number> = { timestamp: counterHour.getTime() / 1000 + k * 29 };
    for (const d of [k % DOMAINS, (k * 7) % DOMAINS, (k * 11) % DOMAINS]) {
      const domain = `d${d}.example`;
      const count = ((k + d) % 9) + 1;
      counter[domain] = (counter[domain] ?? 0) + count;
      requestsByDomain.set(domain, (requestsByDomain.get(domain) ?? 0) + count);
    }
    return counter;
  });
  chunks(counters, 30).forEach((body, i) => requests.push({ path: i % 2 ? "/api/events" : "/v1/counters", body }));

  // Flows: 40 flows over 20 keys of one hour, by both paths.
  const flowHour = 500_000 + n;
  const flowTotals = new Map<string, Totals["flows"][number]>();
  const flows = Array.from({ length: 40 }, (_, i) => {
    const flow = { src_app: `app-${i % 4}`, dest_app: `svc-${(i * 3) % 5}`, vpc_id: `vpc-${i % 2}`, bytes_tx: 1000 + i, bytes_rx: 3 * i };
    const key = `${flow.src_app}|${flow.dest_app}|${flow.vpc_id}`;
    const total = flowTotals.get(key) ?? { ...flow, bytes_tx: 0, bytes_rx: 0 };
    flowTotals.set(key, { ...total, bytes_tx: total.bytes_tx + flow.bytes_tx, bytes_rx: total.bytes_rx + flow.bytes_rx });
    return { ...flow, hour: flowHour };
  });
  chunks(flows, 10).forEach((body, i) => requests.push({ path: i % 2 ? "/flows" : "/v1/flows", body }));

  // Products: 10, in two bodies.
  const products = Array.from({ length: 10 }, (_, i) => ({ id: `set${n}-${i}`, name: `item ${i}`, price: `${i}.50`, tags: ["smoke", String(i)] }));
  for (const body of chunks(products, 5)) requests.push({ path: "/v1/products", body });

  return {
    n,
    requests,
    counterHour,
    flowHour,
    productIds: products.map((p) => p.id),
    expected: {
      messages: [...totals.values()]
        .sort((a, b) => a.customer - b.customer || byCodePoint(a.type, b.type))
        .map(({ customer, type, count, amount }) => ({ customer, type, count, totalAmount: thousandths(amount) })),
      topDomains: [...requestsByDomain]
        .map(([domain, requests]) => ({ domain, requests }))
        .sort((a, b) => b.requests - a.requests || byCodePoint(a.domain, b.domain)),
      flows: [...flowTotals.values()].sort((a, b) => byCodePoint(a.src_app, b.src_app) || byCodePoint(a.dest_app, b.dest_app) || byCodePoint(a.vpc_id, b.vpc_id)),
      products: Object.fromEntries(products.map(({ id: _, ...data }, i) => [i, data])),
    },
  };
}
