import { MAX_EVENTS_PER_JOB } from "@tally/shared/queues";
import type { Message } from "@tally/shared/schemas";
import { addJobsOr503, type IngestQueues } from "../queues.js";

/**
 * Puts a request's messages on the queue, at most MAX_EVENTS_PER_JOB per job, in one atomic
 * addBulk: either every message of the request is queued or none is. Resolves once Redis has them.
 */
export async function enqueueMessages(queues: IngestQueues, messages: Message[], acceptedAt: number): Promise<void> {
  const jobs = [];
  for (let start = 0; start < messages.length; start += MAX_EVENTS_PER_JOB) {
    const chunk = messages.slice(start, start + MAX_EVENTS_PER_JOB).map((m) => ({ ...m, uuid: m.uuid.toLowerCase() }));
    jobs.push({ name: "messages", data: { acceptedAt, messages: chunk } });
  }
  await addJobsOr503(queues, queues.messages, jobs);
}
