import type { Router } from "express";
import { route, toFieldErrors, validationFailed, type FieldError } from "@tally/shared/http";
import { messageSchema, type Message } from "@tally/shared/schemas";
import { parseItems, readJsonBody } from "../body/read-json-body.js";
import type { IngestQueues } from "../queues.js";
import { enqueueMessages } from "./enqueue-messages.js";

export interface MessagesRoutesDeps {
  queues: IngestQueues;
  clock: () => number;
  maxBodyBytes: number;
}

export function messagesRoutes(router: Router, { queues, clock, maxBodyBytes }: MessagesRoutesDeps): void {
  route(router, "/v1/messages", {
    post: [
      ...readJsonBody(maxBodyBytes),
      async (req, res) => {
        const { items, batch } = parseItems(req.body, req.headers["content-type"]);
        const messages = validateMessages(items, batch);
        // Dated at acceptance (SPEC §3), before the enqueue so a slow Redis does not move the hour.
        const acceptedAt = clock();
        await enqueueMessages(queues, messages, acceptedAt);
        res.status(202).json({ accepted: messages.length });
      },
    ],
  });
}

/** All items valid, or a 422 naming every bad field by item index: one bad item rejects the request. */
export function validateMessages(items: unknown[], batch: boolean): Message[] {
  if (items.length === 0) throw validationFailed([{ path: "", message: "must contain at least one message" }]);
  const messages: Message[] = [];
  const errors: FieldError[] = [];
  for (const [index, item] of items.entries()) {
    const result = messageSchema.safeParse(item);
    if (result.success) messages.push(result.data);
    else errors.push(...toFieldErrors(result.error.issues, batch ? [index] : []));
  }
  if (errors.length > 0) throw validationFailed(errors);
  return messages;
}
