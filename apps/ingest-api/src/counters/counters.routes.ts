import { route } from "@tally/shared/http";
import { counterSchema, toCounterEvent } from "@tally/shared/schemas";
import type { Router } from "express";
import type { BodyLimits } from "../body/metered-body.js";
import type { ItemLimits } from "../body/parse-items.js";
import { readJsonBody } from "../body/read-json-body.js";
import { readValidItems } from "../body/validate-items.js";
import type { IngestMetrics } from "../metrics.js";
import { shedLoad, type IngestQueues } from "../queues.js";

export interface CountersRoutesDeps {
  queues: IngestQueues;
  metrics: IngestMetrics;
  body: BodyLimits;
  items: Omit<ItemLimits, "noun">;
  maxBacklog: number;
}

/** `POST /v1/counters`, and `POST /api/events` where the seed's clients send them. */
export function countersRoutes(router: Router, { queues, metrics, body, items, maxBacklog }: CountersRoutesDeps): void {
  route(router, ["/v1/counters", "/api/events"], {
    post: [
      shedLoad(queues, queues.counters, maxBacklog),
      readJsonBody(body),
      async (req, res) => {
        const counters = (await readValidItems(req, counterSchema, { ...items, noun: "counter" })).map(toCounterEvent);
        await queues.enqueue.counters(counters);
        metrics.accepted.inc({ kind: "counters" }, counters.length);
        res.status(202).json({ accepted: counters.length });
      },
    ],
  });
}
