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
 *
 * One batch is folded at a time; what arrives meanwhile waits and goes in the next batch as soon as
 * the fold ends. Folding every lingered trickle at once instead let small batches pile up
 * concurrently on the same hot rows, each waiting on the others' row locks: measured, 2.3 jobs per
 * batch and 11 folds in flight, draining counters 6× slower than one batch at a time does.
 */
export function createBatcher<T>({ maxItems, lingerMs, fold, mayBeOneItem }: BatcherOptions<T>) {
  let waiting: Pending<T>[] = [];
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const foldNext = (): void => {
    clearTimeout(timer);
    timer = undefined;
    if (running || waiting.length === 0) return;
    const batch = waiting.slice(0, maxItems);
    waiting = waiting.slice(maxItems);
    running = foldSplittingOnFailure(batch).finally(() => {
      running = undefined;
      // What arrived during the fold has waited long enough already: no linger for it.
      foldNext();
    });
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
        if (running) return; // taken when the fold in flight ends
        if (waiting.length >= maxItems) foldNext();
        else timer ??= setTimeout(foldNext, lingerMs);
      });
    },
    /** Folds whatever waits, without the linger, and waits until nothing is waiting or in flight. */
    async drain(): Promise<void> {
      foldNext();
      // A fold never rejects (its items do); `running` is the next batch once one ends.
      while (running) await running;
    },
  };
}
