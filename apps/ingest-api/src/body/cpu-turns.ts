/**
 * Long CPU work (parsing and validating a big body) is cut into slices of at most SLICE_MS, and each
 * slice waits for its turn. Turns go round robin, ONE per turn of the event loop, with the loop's I/O
 * in between: however many big requests are being parsed at once, a small request (or a health
 * probe) waits for one slice, not for a slice of each. (Each request yielding with its own
 * setImmediate would not do: node runs every queued immediate in one go, so twenty requests would
 * hold the loop for twenty slices at a time.)
 */
const SLICE_MS = 3;

const waiting: (() => void)[] = [];
let scheduled = false;

function runNext(): void {
  scheduled = false;
  waiting.shift()?.();
  // Scheduled from inside the check phase, so it runs at the next turn, after the loop's I/O.
  if (waiting.length > 0) schedule();
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  setImmediate(runNext);
}

/** Waits for this caller's next turn. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    schedule();
  });
}

/**
 * A pacer for one piece of long work: call it between small steps; once the work has run SLICE_MS
 * since its last turn, it waits for the next one.
 */
export function cpuPacer(): () => Promise<void> | undefined {
  let sliceStarted = performance.now();
  return () => {
    if (performance.now() - sliceStarted <= SLICE_MS) return undefined;
    return nextTurn().then(() => {
      sliceStarted = performance.now();
    });
  };
}
