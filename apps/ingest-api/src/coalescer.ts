import { MAX_EVENTS_PER_JOB } from "@tally/shared/jobs";

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface Group<E> {
  key: string;
  events: E[];
  weight: number;
  waiters: Waiter[];
}

export interface CoalescerOptions<E> {
  /** Puts one job holding these events into Redis; resolves once Redis has it. */
  addJob: (events: E[], key: string) => Promise<void>;
  /** Adds in flight at once; while they are, new requests gather into the next job. */
  maxInFlight?: number;
  /** The most a job holds, in `weight` (events by default); one request heavier than this goes alone. */
  maxEvents?: number;
  /** What one event counts against `maxEvents`: 1 by default; the bytes of a products upload, say. */
  weight?: (event: E) => number;
}

/**
 * Group commit for small requests: requests arriving while earlier adds are in flight gather into
 * one job, so under load many requests cost one Redis round trip and one job instead of one each,
 * and when idle a request goes out at once, with no linger added. A request's events always land in
 * one job together (so one request is queued whole or not at all), and a request is answered only
 * once the job holding it is in Redis. Events with different keys (a message's hour) never share a job.
 */
export function createCoalescer<E>({ addJob, maxInFlight = 4, maxEvents = MAX_EVENTS_PER_JOB, weight = () => 1 }: CoalescerOptions<E>) {
  const groups: Group<E>[] = [];
  let inFlight = 0;
  let scheduled = false;

  const pump = () => {
    scheduled = false;
    while (inFlight < maxInFlight && groups.length > 0) {
      const group = groups.shift()!;
      inFlight++;
      addJob(group.events, group.key).then(
        () => group.waiters.forEach((w) => w.resolve()),
        (error: unknown) => group.waiters.forEach((w) => w.reject(error)),
      ).finally(() => {
        inFlight--;
        schedule();
      });
    }
  };
  // Wait for the rest of this turn of the event loop: requests parsed together leave together.
  const schedule = () => {
    if (!scheduled && groups.length > 0) {
      scheduled = true;
      setImmediate(pump);
    }
  };

  return {
    /** Queues a request's events (fewer than maxEvents) and resolves once they are in Redis. */
    add(events: E[], key = ""): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        const heavy = events.reduce((sum, e) => sum + weight(e), 0);
        let group = groups.find((g) => g.key === key && g.weight + heavy <= maxEvents);
        if (!group) {
          group = { key, events: [], weight: 0, waiters: [] };
          groups.push(group);
        }
        group.events.push(...events);
        group.weight += heavy;
        group.waiters.push({ resolve, reject });
        schedule();
      });
    },
  };
}
