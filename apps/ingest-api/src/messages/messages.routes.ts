import { route } from "@tally/shared/http";
import { HOUR_MS } from "@tally/shared/queues";
import { messageSchema } from "@tally/shared/schemas";
import type { Router } from "express";
import { parseItems, readJsonBody } from "../body/read-json-body.js";
import { validateItems } from "../body/validate-items.js";
import type { IngestMetrics } from "../metrics.js";
import { shedLoad, type IngestQueues } from "../queues.js";

export interface MessagesRoutesDeps {
  queues: IngestQueues;
  metrics: IngestMetrics;
  clock: () => number;
  maxBodyBytes: number;
  maxBacklog: number;
}

export function messagesRoutes(router: Router, { queues, metrics, clock, maxBodyBytes, maxBacklog }: MessagesRoutesDeps): void {
  route(router, "/v1/messages", {
    post: [
      shedLoad(queues, queues.messages, maxBacklog),
      ...readJsonBody(maxBodyBytes),
      async (req, res) => {
        const { items, batch } = parseItems(req.body, req.headers["content-type"]);
        const messages = validateItems(messageSchema, items, batch, "message").map((m) => ({ ...m, uuid: m.uuid.toLowerCase() }));
        // Dated at acceptance (SPEC §3), before the enqueue so a slow Redis does not move the hour.
        const hour = Math.floor(clock() / HOUR_MS) * HOUR_MS;
        await queues.enqueue.messages(messages, hour);
        metrics.accepted.inc({ kind: "messages" }, messages.length);
        res.status(202).json({ accepted: messages.length });
      },
    ],
  });
}
