import { MAX_EVENTS_PER_JOB } from "@tally/shared/jobs";

interface Waiter<R> {
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

interface Group<I, R> {
  key: string;
  items: I[];
  weight: number;
  waiters: Waiter<R>[];
}

export interface BatcherOptions<I, R> {
  /** Does the work of a group of calls at once; resolves with one result per item, in order. */
  run: (items: I[], key: string) => Promise<R[]>;
  /** Runs in flight at once; while they are, new calls gather into the next group. */
  maxInFlight?: number;
  /** The most a group holds, in `weight`; one item heavier than this goes alone. */
  maxWeight?: number;
  /** What one item counts against `maxWeight`: 1 by default. */
  weight?: (item: I) => number;
}

/**
 * Group commit: calls arriving while earlier runs are in flight gather into one run, so under load
 * many calls cost one Redis round trip instead of one each, and when idle a call goes out at once,
 * with no linger added. Each call is answered with its own result once its group's run is done; a
 * failed run fails every call of its group. Calls with different keys never share a run.
 */
export function createBatcher<I, R>({ run, maxInFlight = 4, maxWeight = Number.POSITIVE_INFINITY, weight = () => 1 }: BatcherOptions<I, R>) {
  const groups: Group<I, R>[] = [];
  let inFlight = 0;
  let scheduled = false;

  const pump = () => {
    scheduled = false;
    while (inFlight < maxInFlight && groups.length > 0) {
      const group = groups.shift()!;
      inFlight++;
      run(group.items, group.key)
        .then(
          (results) => group.waiters.forEach((w, i) => w.resolve(results[i] as R)),
          (error: unknown) => group.waiters.forEach((w) => w.reject(error)),
        )
        .finally(() => {
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
    /** Adds one item to the next group with its key and room for it; resolves with its result. */
    add(item: I, key = ""): Promise<R> {
      return new Promise<R>((resolve, reject) => {
        const heavy = weight(item);
        let group = groups.find((g) => g.key === key && g.weight + heavy <= maxWeight);
        if (!group) {
          group = { key, items: [], weight: 0, waiters: [] };
          groups.push(group);
        }
        group.items.push(item);
        group.weight += heavy;
        group.waiters.push({ resolve, reject });
        schedule();
      });
    },
  };
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
 * Group commit for small requests (`createBatcher`, a request's events being one item): a request's
 * events always land in one job together (so one request is queued whole or not at all), and a
 * request is answered only once the job holding it is in Redis. Events with different keys (a
 * message's hour) never share a job.
 */
export function createCoalescer<E>({ addJob, maxInFlight = 4, maxEvents = MAX_EVENTS_PER_JOB, weight = () => 1 }: CoalescerOptions<E>) {
  const batcher = createBatcher<E[], void>({
    run: async (requests, key) => {
      const events: E[] = [];
      for (const request of requests) events.push(...request);
      await addJob(events, key);
      return [];
    },
    maxInFlight,
    maxWeight: maxEvents,
    weight: (events) => events.reduce((sum, e) => sum + weight(e), 0),
  });
  return {
    /** Queues a request's events (fewer than maxEvents) and resolves once they are in Redis. */
    add: (events: E[], key = ""): Promise<void> => batcher.add(events, key),
  };
}
