import { payloadTooLarge, route, validationFailed } from "@tally/shared/http";
import { flowSchema } from "@tally/shared/schemas";
import type { Router } from "express";
import { parseItems, readJsonBody } from "../body/read-json-body.js";
import { validateItems } from "../body/validate-items.js";
import type { IngestMetrics } from "../metrics.js";
import { shedLoad, type IngestQueues } from "../queues.js";

export interface FlowsRoutesDeps {
  queues: IngestQueues;
  metrics: IngestMetrics;
  maxBodyBytes: number;
  maxFlowsPerRequest: number;
  maxBacklog: number;
}

/** `POST /v1/flows`, and `POST /flows` where the seed's clients send them: a JSON array of flows. */
export function flowsRoutes(router: Router, { queues, metrics, maxBodyBytes, maxFlowsPerRequest, maxBacklog }: FlowsRoutesDeps): void {
  route(router, ["/v1/flows", "/flows"], {
    post: [
      shedLoad(queues, queues.flows, maxBacklog),
      ...readJsonBody(maxBodyBytes),
      async (req, res) => {
        const { items, batch } = parseItems(req.body, req.headers["content-type"]);
        if (!batch) throw validationFailed([{ path: "", message: "must be a JSON array of flows" }]);
        if (items.length > maxFlowsPerRequest) {
          throw payloadTooLarge(`${items.length} flows is over the limit of ${maxFlowsPerRequest} per request (MAX_FLOWS_PER_REQUEST)`);
        }
        const flows = validateItems(flowSchema, items, batch, "flow");
        await queues.enqueue.flows(flows);
        metrics.accepted.inc({ kind: "flows" }, flows.length);
        res.status(202).json({ accepted: flows.length });
      },
    ],
  });
}
