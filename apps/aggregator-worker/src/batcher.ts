export interface BatcherOptions<T> {
  /** Fold now once this many items wait. */
  maxItems: number;
  /** Fold what waits after this long, so a trickle is not held back. */
  lingerMs: number;
  /** Applies a batch; must be all or nothing (one transaction). */
  fold: (items: T[]) => Promise<void>;
  /** Whether a failure may be one item's fault (worth splitting the batch to find it). */
  mayBeOneItem: (error: unknown) => boolean;
}

interface Pending<T> {
  item: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Gathers items from concurrent BullMQ processor calls and folds them together. Each `add` settles
 * only when its item's batch has committed, so BullMQ completes a job only after its effect is durable.
 * A batch that fails for a reason that may be one item's fault is split and each item folded alone,
 * so one poison job fails by itself and the rest of its batch still lands.
 */
export function createBatcher<T>({ maxItems, lingerMs, fold, mayBeOneItem }: BatcherOptions<T>) {
  let waiting: Pending<T>[] = [];
  let timer: NodeJS.Timeout | undefined;
  const inFlight = new Set<Promise<void>>();

  const flush = (): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    const batch = waiting;
    waiting = [];
    if (batch.length === 0) return Promise.resolve();
    const done = foldSplittingOnFailure(batch).finally(() => inFlight.delete(done));
    inFlight.add(done);
    return done;
  };

  const foldSplittingOnFailure = async (batch: Pending<T>[]): Promise<void> => {
    try {
      await fold(batch.map((p) => p.item));
      for (const p of batch) p.resolve();
    } catch (error) {
      if (batch.length === 1 || !mayBeOneItem(error)) {
        for (const p of batch) p.reject(error);
        return;
      }
      for (const p of batch) await foldSplittingOnFailure([p]);
    }
  };

  return {
    add(item: T): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        waiting.push({ item, resolve, reject });
        if (waiting.length >= maxItems) void flush();
        else timer ??= setTimeout(flush, lingerMs);
      });
    },
    /** Folds whatever waits and waits for every batch still in flight. */
    async drain(): Promise<void> {
      await flush();
      await Promise.allSettled([...inFlight]);
    },
  };
}
