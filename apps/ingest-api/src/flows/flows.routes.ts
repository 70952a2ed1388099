import { route } from "@tally/shared/http";
import { flowSchema } from "@tally/shared/schemas";
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

export interface FlowsRoutesDeps {
  queues: IngestQueues;
  records: IdempotencyRecords;
  metrics: IngestMetrics;
  body: BodyLimits;
  items: Omit<ItemLimits, "noun">;
  maxBacklog: number;
}

/** `POST /v1/flows`, and `POST /flows` where the seed's clients send them: a JSON array of flows. */
export function flowsRoutes(router: Router, { queues, records, metrics, body, items, maxBacklog }: FlowsRoutesDeps): void {
  route(router, ["/v1/flows", "/flows"], {
    post: [
      shedLoad(queues, queues.flows, maxBacklog),
      readJsonBody(body),
      (req, res) =>
        answerIngest(req, res, records, async (hold) => {
          const flows = await readValidItems(req, flowSchema, { ...items, noun: "flow" }, { arrayOnly: true });
          await queues.enqueue.flows(flows, keyedJobIds(hold));
          metrics.accepted.inc({ kind: "flows" }, flows.length);
          return { status: 202, body: { accepted: flows.length } };
        }),
    ],
  });
}
