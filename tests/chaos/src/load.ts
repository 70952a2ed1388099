import { randomInt } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { countersBody, flowsBody, messagesBody, productsBody, type Body, type Kind, type ProductsBody, type Send } from "./bodies.js";

const REQUEST_TIMEOUT_MS = 10_000;

/** How a send ended for the client: it is queued, it is not, or nobody can say. */
function classify(send: Send): "acked" | "refused" | "ambiguous" {
  if (send.status === 202) return "acked";
  if (typeof send.status === "number" && send.status >= 400 && send.status < 500) return "refused";
  return "ambiguous"; // 5xx, a timeout, a reset: the jobs may or may not be in Redis
}

/** A body's outcome over all its sends: acknowledged if any send was, else ambiguous if any send was. */
export function outcome(body: Body): "acked" | "refused" | "ambiguous" {
  const seen = new Set(body.sends.map(classify));
  return seen.has("acked") ? "acked" : seen.has("ambiguous") ? "ambiguous" : "refused";
}

async function send(ingestUrl: string, body: Body): Promise<Send> {
  const startedAt = Date.now();
  let result: Send;
  try {
    const res = await fetch(`${ingestUrl}${body.path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(body.key ? { "idempotency-key": body.key } : {}) },
      body: body.text,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    result = { status: res.status, retryAfter: res.headers.get("retry-after"), startedAt, ms: Date.now() - startedAt, replayed: res.headers.get("idempotent-replayed") === "true" };
    if (res.status !== 202) result.detail = text.slice(0, 300);
  } catch (error) {
    const timeout = (error as Error).name === "TimeoutError";
    result = { status: timeout ? "timeout" : "network", retryAfter: null, startedAt, ms: Date.now() - startedAt, detail: String((error as Error).cause ?? error) };
  }
  body.sends.push(result);
  return result;
}

export interface LoadRecord {
  bodies: Record<Exclude<Kind, "products">, Body[]> & { products: ProductsBody[] };
}

/**
 * A steady mixed load over HTTP until `stop()`: loops per kind, each posting a new body, then pausing
 * briefly. Messages are retried with backoff while ambiguous (their uuids make it safe) and some are
 * deliberately sent twice; counters and flows carry an Idempotency-Key and are retried the same way
 * (the key makes it safe); products bodies are sometimes repeated, one after another or several at
 * once, and must be refused.
 */
export function startLoad(ingestUrl: string, loops: Record<Kind, number> = { messages: 3, counters: 2, flows: 2, products: 2 }) {
  const record: LoadRecord = { bodies: { messages: [], counters: [], flows: [], products: [] } };
  let stopping = false;
  let retryDeadline = Infinity;
  const next = { messages: 1, counters: 1, flows: 1, products: 1 };
  const pause = () => sleep(randomInt(5, 25));

  const messagesLoop = async () => {
    while (!stopping) {
      const body = messagesBody(next.messages++);
      record.bodies.messages.push(body);
      await sendUntilSettled(body);
      // A client that sends the same request again (a double click, a replay): its uuids count once.
      if (randomInt(0, 8) === 0) await sendUntilSettled(body);
      else if (randomInt(0, 20) === 0) await Promise.all([sendUntilSettled(body), sendUntilSettled(body)]);
      await pause();
    }
  };
  /** Sends until acknowledged or refused for good (not 429, not 409 while the same key is in flight). */
  const sendUntilSettled = async (body: Body) => {
    for (let attempt = 0; attempt < 10; attempt++) {
      const result = await send(ingestUrl, body);
      if (result.status === 202 || (classify(result) === "refused" && result.status !== 429 && result.status !== 409)) return;
      if (Date.now() > retryDeadline) return;
      await sleep(Math.min(200 * 2 ** attempt, 2000));
    }
  };
  const keyedLoop = (kind: "counters" | "flows") => async () => {
    while (!stopping) {
      const n = next[kind]++;
      const body = kind === "counters" ? countersBody(n, Math.floor(Date.now() / 1000)) : flowsBody(n);
      record.bodies[kind].push(body);
      await sendUntilSettled(body);
      // A retry with the key after an answer that did arrive: replayed, counted once.
      if (randomInt(0, 10) === 0) await send(ingestUrl, body);
      await pause();
    }
  };
  const productsLoop = async () => {
    while (!stopping) {
      const body = productsBody(next.products++);
      record.bodies.products.push(body);
      const copies = randomInt(0, 10) === 0 ? 3 : 1; // identical bodies at once: exactly one is accepted
      await Promise.all(Array.from({ length: copies }, () => send(ingestUrl, body)));
      if (randomInt(0, 4) === 0) await send(ingestUrl, body); // the same body again: refused (403)
      await pause();
    }
  };

  const running = [
    ...Array.from({ length: loops.messages }, () => messagesLoop),
    ...Array.from({ length: loops.counters }, () => keyedLoop("counters")),
    ...Array.from({ length: loops.flows }, () => keyedLoop("flows")),
    ...Array.from({ length: loops.products }, () => productsLoop),
  ].map((loop) => loop());

  return {
    record,
    /** Stops new bodies at once; ambiguous messages keep being retried for up to `retryGraceMs`. */
    async stop(retryGraceMs = 5000): Promise<LoadRecord> {
      stopping = true;
      retryDeadline = Date.now() + retryGraceMs;
      await Promise.all(running);
      return record;
    },
  };
}
