import { route } from "@tally/shared/http";
import { QUARTER_HOUR_MS } from "@tally/shared/time";
import { messageSchema } from "@tally/shared/schemas";
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

export interface MessagesRoutesDeps {
  queues: IngestQueues;
  records: IdempotencyRecords;
  metrics: IngestMetrics;
  clock: () => number;
  body: BodyLimits;
  items: Omit<ItemLimits, "noun">;
  maxBacklog: number;
}

export function messagesRoutes(router: Router, { queues, records, metrics, clock, body, items, maxBacklog }: MessagesRoutesDeps): void {
  route(router, "/v1/messages", {
    post: [
      shedLoad(queues, queues.messages, maxBacklog),
      readJsonBody(body),
      (req, res) =>
        answerIngest(req, res, records, async (hold) => {
          const valid = await readValidItems(req, messageSchema, { ...items, noun: "message" });
          const messages = valid.map((m) => ({ ...m, uuid: m.uuid.toLowerCase() }));
          // Dated at acceptance (SPEC §3), before the enqueue so a slow Redis does not move the quarter; a
          // retry with the same key belongs to its first attempt's quarter.
          const quarter = Math.floor((hold?.firstAt ?? clock()) / QUARTER_HOUR_MS) * QUARTER_HOUR_MS;
          await queues.enqueue.messages(messages, quarter, keyedJobIds(hold));
          metrics.accepted.inc({ kind: "messages" }, messages.length);
          return { status: 202, body: { accepted: messages.length } };
        }),
    ],
  });
}
