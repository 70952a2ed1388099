import type { Registry } from "@tally/shared/http";
import type { Request, Response } from "express";
import { Counter, Gauge } from "prom-client";
import type { IngestQueues } from "./queues.js";

type EventKind = "messages" | "counters" | "flows" | "products";

const KIND_BY_PATH: Record<string, EventKind> = {
  "/v1/messages": "messages",
  "/v1/counters": "counters",
  "/api/events": "counters",
  "/v1/flows": "flows",
  "/flows": "flows",
  "/v1/products": "products",
};

export interface IngestMetrics {
  accepted: Counter<"kind">;
  /** Counts a refused ingest request by its kind and status once it has been answered (createHttpApp's onAnswered). */
  countRejection: (req: Request, res: Response) => void;
}

/** What an ingest process exposes at /metrics besides request durations and Node's own metrics. */
export function createIngestMetrics(registry: Registry, queues: IngestQueues): IngestMetrics {
  const registers = [registry];
  new Gauge({
    name: "tally_queue_backlog",
    help: "Jobs waiting per queue, as this process last read them (what load shedding compares)",
    labelNames: ["queue"] as const,
    registers,
    collect() {
      for (const queue of [queues.messages, queues.counters, queues.flows, queues.products]) this.set({ queue: queue.name }, queues.backlog(queue));
    },
  });
  const rejected = new Counter({
    name: "tally_requests_rejected_total",
    help: "Ingest requests refused, by event kind and status (nothing of them was queued)",
    labelNames: ["kind", "status"] as const,
    registers,
  });
  return {
    accepted: new Counter({ name: "tally_events_accepted_total", help: "Events durably queued, by kind", labelNames: ["kind"] as const, registers }),
    countRejection: (req, res) => {
      if (res.statusCode < 400) return;
      const kind = KIND_BY_PATH[req.path];
      if (kind) rejected.inc({ kind, status: String(res.statusCode) });
    },
  };
}
