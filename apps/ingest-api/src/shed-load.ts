import { tooManyRequests } from "@tally/shared/http";
import type { Queue } from "bullmq";
import type { RequestHandler } from "express";
import type { IngestQueues } from "./queues.js";

/**
 * Refuses a request with 429 while its queue's backlog is over `maxBacklog`, before its body is read:
 * the workers are behind, and taking more would only fill Redis.
 */
export function shedLoad(queues: IngestQueues, queue: Queue, maxBacklog: number): RequestHandler {
  return (_req, _res, next) => {
    const backlog = queues.backlog(queue);
    if (backlog > maxBacklog) throw tooManyRequests(`${backlog} jobs are waiting in the ${queue.name} queue (over ${maxBacklog}); try again shortly`);
    next();
  };
}
