import { setTimeout as sleep } from "node:timers/promises";
import { uuidSource } from "./bodies.js";
import { httpRequest, keepAliveAgent } from "./http-client.js";
import { Samples, summarize, type Latency } from "./stats.js";
import { HOUR_MS } from "@tally/shared/time";

/**
 * The freshness driver, its own process: posts single messages at a steady rate (open loop: on
 * schedule, whatever the answers), each to its own customerId, and for a sample of them polls the
 * query API until that customer shows up. Freshness is from the 202 arriving here to the first
 * answer showing the message, both on this process's clock.
 *
 * Why a sample: polling every message every 10 ms would be thousands of queries a second, on the
 * same two cores — the poller would become the load. SAMPLED_PER_SECOND keeps it to a few hundred.
 */
export interface FreshnessInput {
  ingestUrl: string;
  queryUrl: string;
  rate: number;
  seconds: number;
  customerBase: number;
}

export interface FreshnessResult {
  rate: number;
  sent: number;
  acked: number;
  refused: Record<string, number>;
  sampled: number;
  neverSeen: number;
  pollMs: number;
  freshness: Latency;
  ack: Latency;
}

const SAMPLED_PER_SECOND = 25;
const POLL_MS = 10;
const GIVE_UP_MS = 15_000;

export async function driveFreshness({ ingestUrl, queryUrl, rate, seconds, customerBase }: FreshnessInput): Promise<FreshnessResult> {
  const ingestAgent = keepAliveAgent(256);
  const queryAgent = keepAliveAgent(64);
  const uuid = uuidSource();
  const sampleEvery = Math.max(1, Math.round(rate / SAMPLED_PER_SECOND));
  // Messages are dated by the hour they are accepted in; two hours cover a run crossing one.
  const from = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
  const window = `from=${new Date(from).toISOString()}&to=${new Date(from + 2 * HOUR_MS).toISOString()}`;
  const acks = new Samples();
  const freshness = new Samples();
  const refused: Record<string, number> = {};
  const inFlight = new Set<Promise<void>>();
  let acked = 0;
  let neverSeen = 0;
  let sampled = 0;

  const watch = async (customerId: number, ackedAt: number) => {
    for (;;) {
      await sleep(POLL_MS);
      const answer = await httpRequest(queryAgent, `${queryUrl}/v1/stats/messages?${window}&customerId=${customerId}`);
      if (answer.status === 200 && (JSON.parse(answer.body) as { items: unknown[] }).items.length > 0) {
        freshness.push(performance.now() - ackedAt);
        return;
      }
      if (performance.now() - ackedAt > GIVE_UP_MS) {
        neverSeen += 1;
        return;
      }
    }
  };
  const send = async (i: number) => {
    const customerId = customerBase + i;
    const body = `{"customerId":${customerId},"type":"F","amount":"1.000","uuid":"${uuid()}"}`;
    const answer = await httpRequest(ingestAgent, `${ingestUrl}/v1/messages`, { method: "POST", body }).catch((e: Error) => ({ status: e.message, ms: 0 }));
    if (answer.status !== 202) {
      refused[answer.status] = (refused[answer.status] ?? 0) + 1;
      return;
    }
    acked += 1;
    acks.push(answer.ms);
    if (i % sampleEvery === 0) {
      sampled += 1;
      await watch(customerId, performance.now());
    }
  };

  const total = Math.round(rate * seconds);
  const started = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
    while (sent < due) {
      const p = send(sent++).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await sleep(1);
  }
  const sendSeconds = (performance.now() - started) / 1000;
  await Promise.all([...inFlight]);
  ingestAgent.destroy();
  queryAgent.destroy();
  return {
    rate: sent / sendSeconds,
    sent,
    acked,
    refused,
    sampled,
    neverSeen,
    pollMs: POLL_MS,
    freshness: summarize(freshness.toArray()),
    ack: summarize(acks.toArray()),
  };
}

