import { z } from "zod";
import { orRequired } from "./field-errors.js";
import { isStorableText, STORABLE_TEXT } from "./storable-text.js";

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
  .number({ error: orRequired("must be a non-negative integer count") })
  .int({ error: "must be a non-negative integer count", abort: true })
  .min(0, { error: "must be a non-negative integer count" })
  .max(Number.MAX_SAFE_INTEGER, { error: "must be at most 2^53-1" });

/** Why a timestamp is refused, with a hint where the mistake is a common one. */
function timestampProblem(value: unknown): string {
  if (value === undefined) return "is required";
  const n = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  // Milliseconds since the epoch are 13 digits today: the most common mix-up.
  if (typeof n === "number" && Number.isInteger(n) && n > MAX_TIMESTAMP && n < MAX_TIMESTAMP * 1000 + 1000) {
    return `must be Unix seconds, and ${value} looks like milliseconds: send ${Math.floor(n / 1000)}`;
  }
  return "must be Unix seconds: a non-negative integer, or a string of digits";
}

/** Why a key cannot be a domain, or undefined if it can. */
function domainProblem(domain: string): string | undefined {
  if (domain.length === 0 || domain.length > MAX_DOMAIN_LENGTH) return `a domain must be 1 to ${MAX_DOMAIN_LENGTH} characters`;
  if (!isStorableText(domain)) return STORABLE_TEXT;
  // JSON.parse keeps "__proto__" as a key, but copying the object (as validation does) would lose it.
  if (domain === "__proto__") return '"__proto__" is not accepted as a domain';
  return undefined;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * `{"timestamp": 1608102631, "A": 3, "B": 4}`: requests per domain at one second. Every key but
 * `timestamp` is a domain (1–253 characters) and its count.
 *
 * Every field is checked up front, on the object as parsed, so that a 422 names every bad one (the
 * shape below alone would stop at the first kind of problem) and no key can slip past as `__proto__`.
 * The shape still describes the counter, for the OpenAPI document.
 */
export const counterSchema = z.preprocess(
  (raw, ctx) => {
    if (!isObject(raw)) return raw;
    const report = (path: PropertyKey[], message: string) => ctx.addIssue({ code: "custom", path, message, input: raw });
    const stamp = timestamp.safeParse(raw.timestamp);
    if (!stamp.success) report(["timestamp"], timestampProblem(raw.timestamp));
    const domains = Object.keys(raw).filter((key) => key !== "timestamp");
    if (domains.length === 0) report([], "must name at least one domain besides timestamp");
    for (const domain of domains) {
      const count = requests.safeParse(raw[domain]);
      const problem = domainProblem(domain) ?? (count.success ? undefined : count.error.issues[0]?.message);
      if (problem) report([domain], problem);
    }
    return raw;
  },
  z.object({ timestamp }).catchall(requests),
);

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
