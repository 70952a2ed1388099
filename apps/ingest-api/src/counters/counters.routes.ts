import { route } from "@tally/shared/http";
import { counterSchema, toCounterEvent } from "@tally/shared/schemas";
import type { Router } from "express";
import { parseItems, readJsonBody } from "../body/read-json-body.js";
import { validateItems } from "../body/validate-items.js";
import type { IngestMetrics } from "../metrics.js";
import { shedLoad, type IngestQueues } from "../queues.js";

export interface CountersRoutesDeps {
  queues: IngestQueues;
  metrics: IngestMetrics;
  maxBodyBytes: number;
  maxBacklog: number;
}

/** `POST /v1/counters`, and `POST /api/events` where the seed's clients send them. */
export function countersRoutes(router: Router, { queues, metrics, maxBodyBytes, maxBacklog }: CountersRoutesDeps): void {
  route(router, ["/v1/counters", "/api/events"], {
    post: [
      shedLoad(queues, queues.counters, maxBacklog),
      ...readJsonBody(maxBodyBytes),
      async (req, res) => {
        const { items, batch } = parseItems(req.body, req.headers["content-type"]);
        const counters = validateItems(counterSchema, items, batch, "counter").map(toCounterEvent);
        await queues.enqueue.counters(counters);
        metrics.accepted.inc({ kind: "counters" }, counters.length);
        res.status(202).json({ accepted: counters.length });
      },
    ],
  });
}
