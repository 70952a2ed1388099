import { z } from "zod";

/** The largest Unix second we take: 9999-12-31T23:59:59Z. */
const MAX_TIMESTAMP = 253_402_300_799;
export const MAX_DOMAIN_LENGTH = 253;

const timestamp = z.union(
  [
    z.number().int().min(0).max(MAX_TIMESTAMP),
    z.string().regex(/^\d{1,12}$/).transform(Number).pipe(z.number().max(MAX_TIMESTAMP)),
  ],
  { error: "must be Unix seconds: a non-negative integer, or a string of digits" },
);

const requests = z
  .number({ error: "must be a non-negative integer count" })
  .int({ error: "must be a non-negative integer count", abort: true })
  .min(0, { error: "must be a non-negative integer count" })
  .max(Number.MAX_SAFE_INTEGER, { error: "must be at most 2^53-1" });

/**
 * `{"timestamp": 1608102631, "A": 3, "B": 4}`: requests per domain at one second. Every key but
 * `timestamp` is a domain (1–253 characters) and its count.
 */
export const counterSchema = z
  .object({ timestamp })
  .catchall(requests)
  .superRefine((counter, ctx) => {
    const domains = Object.keys(counter).filter((k) => k !== "timestamp");
    if (domains.length === 0) ctx.addIssue({ code: "custom", path: [], message: "must name at least one domain besides timestamp" });
    for (const domain of domains) {
      if (domain.length === 0 || domain.length > MAX_DOMAIN_LENGTH) {
        ctx.addIssue({ code: "custom", path: [domain], message: `a domain must be 1 to ${MAX_DOMAIN_LENGTH} characters` });
      }
    }
  });

export type Counter = z.output<typeof counterSchema>;

/** A counter as queued: its second and its `[domain, requests]` pairs. */
export interface CounterEvent {
  timestamp: number;
  counts: [domain: string, requests: number][];
}

/** Splits a validated counter into its second and its domain counts. */
export function toCounterEvent({ timestamp, ...domains }: Counter): CounterEvent {
  return { timestamp, counts: Object.entries(domains) };
}
