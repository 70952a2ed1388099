import type { Driver } from "./driver.js";
import { httpRequest, keepAliveAgent } from "./http-client.js";
import { DATASET } from "./load-dataset.js";
import type { Sizes } from "./sizes.js";
import { Samples, summarize, type Latency } from "./stats.js";
import { HOUR_MS } from "@tally/shared/time";

/**
 * Query latency over the loaded dataset, one route and shape at a time. Each case is driven by an
 * autocannon process with CONNECTIONS clients (one per core: latency with a little concurrency, not
 * a throughput test), cycling through many parameter values so no single row stays hot. The cursor
 * walk is sequential by nature: it runs here, following nextCursor page after page.
 */
const CONNECTIONS = 2;
const iso = (ms: number) => new Date(ms).toISOString();

export interface QueryResult {
  name: string;
  path: string;
  requestsPerSecond: number;
  latency: Latency;
  non2xx: number;
}

/** `only`: just the cases of one resource (their names start with it), as `pnpm bench --scale` asks for messages. */
export async function measureQueries(driver: Driver, queryUrl: string, sizes: Sizes, only?: "messages"): Promise<QueryResult[]> {
  const { customers, hours, domains, flowKeys, products } = sizes.dataset;
  const pick = (n: number) => 1 + Math.floor(Math.random() * n);
  const many = (make: () => string) => Array.from({ length: 1_000 }, make);
  const days = Math.max(1, Math.floor(hours / 24));
  const domainsHour = iso(DATASET.domainsAt);
  const lastFullPage = Math.max(1, Math.floor(flowKeys / 1_000));

  const cases: { name: string; paths: string[] }[] = [
    {
      name: `messages: one customer, one day (${customers.toLocaleString("en")} customers)`,
      paths: many(() => {
        const from = DATASET.messagesFrom + (pick(days) - 1) * 24 * HOUR_MS;
        return `/v1/stats/messages?from=${iso(from)}&to=${iso(from + 24 * HOUR_MS)}&customerId=${pick(customers)}`;
      }),
    },
    {
      name: `messages: every customer, one hour, page 1 (${(customers * 4).toLocaleString("en")} pairs)`,
      paths: many(() => {
        const from = DATASET.messagesFrom + (pick(hours) - 1) * HOUR_MS;
        return `/v1/stats/messages?from=${iso(from)}&to=${iso(from + HOUR_MS)}`;
      }),
    },
    {
      name: `domains: top 10 of an hour (${domains.toLocaleString("en")} domains)`,
      paths: [`/v1/stats/domains/top?window=hour&start=${domainsHour}&limit=10`],
    },
    {
      name: `domains: top 10 of a minute (${domains.toLocaleString("en")} domains)`,
      paths: [`/v1/stats/domains/top?window=minute&start=${domainsHour}&limit=10`],
    },
    {
      name: `flows: page 1 of an hour (${flowKeys.toLocaleString("en")} keys)`,
      paths: [`/v1/flows?hour=${DATASET.flowHour}`],
    },
    {
      name: `flows: deep page ${lastFullPage.toLocaleString("en")} × 1,000 (offset ${((lastFullPage - 1) * 1_000).toLocaleString("en")})`,
      paths: [`/v1/flows?hour=${DATASET.flowHour}&size=1000&page=${lastFullPage}`],
    },
    {
      name: `products: one product by id (${products.toLocaleString("en")} products)`,
      paths: many(() => `/v1/products/${DATASET.productPrefix}${pick(products)}`),
    },
  ];

  const results: QueryResult[] = [];
  for (const c of cases.filter((c) => only === undefined || c.name.startsWith(`${only}:`))) {
    const load = await driver.run(
      "load",
      { url: queryUrl, connections: CONNECTIONS, seconds: sizes.querySeconds, get: c.paths },
      (sizes.querySeconds + 60) * 1000,
    );
    const path = c.paths[0] ?? "";
    results.push({ name: c.name, path, requestsPerSecond: load.ok / load.seconds, latency: load.latency, non2xx: load.non2xx + load.errors });
  }
  if (only === undefined) results.push(await walkFlowsByCursor(queryUrl, sizes.cursorPages, flowKeys));
  return results;
}

/** Follows nextCursor through the loaded hour, 1,000 keys a page, timing every page. */
async function walkFlowsByCursor(queryUrl: string, maxPages: number, flowKeys: number): Promise<QueryResult> {
  const agent = keepAliveAgent(1);
  const times = new Samples();
  let failures = 0;
  let cursor: string | null = null;
  const started = performance.now();
  const first = `/v1/flows?hour=${DATASET.flowHour}&size=1000`;
  do {
    const answer = await httpRequest(agent, `${queryUrl}${first}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    if (answer.status !== 200) {
      failures += 1;
      break;
    }
    times.push(answer.ms);
    cursor = (JSON.parse(answer.body) as { nextCursor: string | null }).nextCursor;
  } while (cursor !== null && times.length < maxPages);
  agent.destroy();
  const seconds = (performance.now() - started) / 1000;
  return {
    name: `flows: cursor walk, ${times.length.toLocaleString("en")} pages × 1,000 of ${flowKeys.toLocaleString("en")} keys`,
    path: `${first}&cursor=…`,
    requestsPerSecond: times.length / seconds,
    latency: summarize(times.toArray()),
    non2xx: failures,
  };
}
