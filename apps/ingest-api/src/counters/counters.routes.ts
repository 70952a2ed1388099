import { route } from "@tally/shared/http";
import { counterSchema, toCounterEvent } from "@tally/shared/schemas";
import type { Router } from "express";
import type { BodyLimits } from "../body/metered-body.js";
import type { ItemLimits } from "../body/parse-items.js";
import { readJsonBody } from "../body/read-json-body.js";
import { readValidItems } from "../body/validate-items.js";
import type { IngestMetrics } from "../metrics.js";
import { answerIngest, keyedJobIds } from "../idempotency/answer-ingest.js";
import type { IdempotencyRecords } from "../idempotency/idempotency-records.js";
import type { IngestQueues } from "../queues.js";
import { shedLoad } from "../shed-load.js";

export interface CountersRoutesDeps {
  queues: IngestQueues;
  records: IdempotencyRecords;
  metrics: IngestMetrics;
  body: BodyLimits;
  items: Omit<ItemLimits, "noun">;
  maxBacklog: number;
}

/** `POST /v1/counters`, and `POST /api/events` where the seed's clients send them. */
export function countersRoutes(router: Router, { queues, records, metrics, body, items, maxBacklog }: CountersRoutesDeps): void {
  route(router, ["/v1/counters", "/api/events"], {
    post: [
      shedLoad(queues, queues.counters, maxBacklog),
      readJsonBody(body),
      (req, res) =>
        answerIngest(req, res, records, async (hold) => {
          const counters = (await readValidItems(req, counterSchema, { ...items, noun: "counter" })).map(toCounterEvent);
          await queues.enqueue.counters(counters, keyedJobIds(hold));
          metrics.accepted.inc({ kind: "counters" }, counters.length);
          return { status: 202, body: { accepted: counters.length } };
        }),
    ],
  });
}
