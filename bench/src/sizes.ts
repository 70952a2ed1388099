/**
 * How big each phase is. The full run keeps to ~10 minutes on a 2-core machine; --quick runs every
 * phase at tiny sizes in well under a minute, only to prove the bench works (its figures mean
 * little: too short to warm up, too small to load anything).
 */
export interface Sizes {
  mode: "full" | "quick";
  warmUpSeconds: number;
  single: { seconds: number; connections: number };
  /** Arrays and NDJSON of messages, counters and flows: events per request and how long. */
  batched: { seconds: number; connections: number; batch: number };
  /** Longest wait for a phase's events to be in Postgres after its last POST. */
  drainMs: number;
  rawSeconds: number;
  /** Jobs per raw statement if not the worker's WORKER_CONCURRENCY (--quick: a 64,000-event batch takes seconds). */
  rawJobsPerBatch?: number;
  freshnessSeconds: number;
  dataset: DatasetSizes;
  querySeconds: number;
  /** Flow pages walked by cursor (size 1,000); the walk stops at the end of the hour anyway. */
  cursorPages: number;
  productsBytes: number;
  grain: GrainSizes;
  /** Small products uploads (the fast path): products per body, connections, seconds. */
  smallProducts: { seconds: number; connections: number; batch: number };
}

/** The hourly against the quarter-hour messages rollup (measure-grain.ts): customers × 4 types × days. */
export interface GrainSizes {
  customers: number;
  /** At least 31: one customer's month by day is one of the questions. */
  days: number;
  querySeconds: number;
  foldSeconds: number;
}

export interface DatasetSizes {
  /** message_rollup rows: customers × hours × 4 types. */
  customers: number;
  hours: number;
  /** Domains in one hour (domain_hour) and in one minute of it (domain_minute). */
  domains: number;
  /** Flow keys in one hour. */
  flowKeys: number;
  products: number;
}

export const FULL: Sizes = {
  mode: "full",
  warmUpSeconds: 3,
  single: { seconds: 15, connections: 100 },
  batched: { seconds: 12, connections: 32, batch: 1_000 },
  drainMs: 180_000,
  rawSeconds: 10,
  freshnessSeconds: 20,
  dataset: { customers: 10_000, hours: 250, domains: 100_000, flowKeys: 1_000_000, products: 100_000 },
  querySeconds: 5,
  cursorPages: 1_000,
  productsBytes: 2 * 1024 ** 3,
  // 1,000 × 4 × 32 days: 3.1M hourly rows, 12.3M quarter-hour rows.
  grain: { customers: 1_000, days: 32, querySeconds: 5, foldSeconds: 8 },
  smallProducts: { seconds: 12, connections: 50, batch: 10 },
};

export const QUICK: Sizes = {
  mode: "quick",
  warmUpSeconds: 0.5,
  single: { seconds: 1, connections: 100 },
  batched: { seconds: 0.7, connections: 8, batch: 50 },
  drainMs: 30_000,
  rawSeconds: 0.5,
  rawJobsPerBatch: 4,
  freshnessSeconds: 1.5,
  // ~1% of the full dataset.
  dataset: { customers: 1_000, hours: 25, domains: 1_000, flowKeys: 10_000, products: 1_000 },
  querySeconds: 0.3,
  cursorPages: 10,
  productsBytes: 20_000_000,
  grain: { customers: 10, days: 32, querySeconds: 0.3, foldSeconds: 0.5 },
  smallProducts: { seconds: 1, connections: 50, batch: 10 },
};
