import { isDeepStrictEqual } from "node:util";
import { FLOW_HOURS, type Effect } from "./bodies.js";
import { thousandths, type Actual } from "./verify.js";

/**
 * Asks the query API (which went through the same Postgres restart and never restarted itself) for
 * what was just read from Postgres directly: every messages stat, every flow of the posted hours, and
 * a sample of products. Returns the differences (none expected) and how many answers were compared.
 */
export async function crossCheckQueryApi(queryUrl: string, actual: Actual): Promise<{ compared: number; differences: string[] }> {
  const differences: string[] = [];
  const getJson = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${queryUrl}${path}`, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    // Sums are JSON numbers with every digit, past 2^53 too: read them as strings, not doubles.
    return JSON.parse((await res.text()).replaceAll(/"(count|bytes_tx|bytes_rx)":(\d+)/g, '"$1":"$2"')) as T;
  };
  const sameEffects = (what: string, expected: Map<number, Effect>, answered: Map<number, Effect>) => {
    const show = (e: Effect | undefined) => JSON.stringify(e && [...e].map(([k, v]) => [k, v.map(String)]));
    for (const n of new Set([...expected.keys(), ...answered.keys()])) {
      if (show(expected.get(n)) !== show(sortedEffect(answered.get(n)))) {
        differences.push(`${what} #${n}: Postgres ${show(expected.get(n))}, query API ${show(answered.get(n))}`);
      }
    }
  };

  // Messages: every customer and type, over the days around now.
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  const messages = new Map<number, Effect>();
  type MessagesPage = { items: { customerId: number; type: string; count: string; totalAmount: string }[]; total: number };
  for (let page = 1; ; page++) {
    const answer = await getJson<MessagesPage>(`/v1/stats/messages?from=${day(-1)}&to=${day(2)}&size=1000&page=${page}`);
    for (const i of answer.items) put(messages, i.customerId, i.type, [BigInt(i.count), thousandths(i.totalAmount)]);
    if (answer.items.length === 0 || page * 1000 >= answer.total) break;
  }
  sameEffects("messages of customer", sortedAll(actual.effects.messages), messages);

  // Flows: each posted hour, walked with cursors.
  const flows = new Map<number, Effect>();
  type FlowsPage = { items: { src_app: string; dest_app: string; vpc_id: string; hour: number; bytes_tx: string; bytes_rx: string }[]; nextCursor: string | null };
  for (const hour of FLOW_HOURS) {
    let cursor: string | null = null;
    do {
      const answer: FlowsPage = await getJson<FlowsPage>(`/v1/flows?hour=${hour}&size=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      for (const f of answer.items) put(flows, Number(/^req-(\d+)$/.exec(f.src_app)?.[1] ?? -1), `${f.hour}|${f.dest_app}|${f.vpc_id}`, [BigInt(f.bytes_tx), BigInt(f.bytes_rx)]);
      cursor = answer.nextCursor;
    } while (cursor);
  }
  sameEffects("flows of src_app req-", sortedAll(actual.effects.flows), flows);

  // Products: a sample of stored ones, and ids nobody posted.
  const stored = [...actual.products.keys()];
  const sample = stored.filter((_, i) => i % Math.max(1, Math.floor(stored.length / 40)) === 0);
  for (const id of sample) {
    const answer = await getJson<{ data: unknown }>(`/v1/products/${encodeURIComponent(id)}`);
    if (!isDeepStrictEqual(answer.data, actual.products.get(id)?.data)) differences.push(`product ${id}: query API ${JSON.stringify(answer.data).slice(0, 160)}`);
  }
  for (const id of ["u-0", "never-posted"]) {
    const res = await fetch(`${queryUrl}/v1/products/${id}`);
    await res.body?.cancel();
    if (res.status !== 404) differences.push(`product ${id} was never posted, yet the query API answers ${res.status}`);
  }
  return { compared: messages.size + flows.size + sample.length + 2, differences };
}

function put(map: Map<number, Effect>, n: number, key: string, values: bigint[]): void {
  let effect = map.get(n);
  if (!effect) map.set(n, (effect = new Map()));
  const sum = effect.get(key);
  effect.set(key, sum ? sum.map((v, i) => v + (values[i] ?? 0n)) : values);
}

function sortedEffect(effect: Effect | undefined): Effect | undefined {
  return effect && new Map([...effect].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function sortedAll(map: Map<number, Effect>): Map<number, Effect> {
  return new Map([...map].map(([n, e]) => [n, sortedEffect(e)!]));
}
