import { describe, expect, it } from "vitest";
import { backoffMs, parseRetryAfter, retryDelayMs, RetryBudget } from "./retry-policy.js";

const NOW = Date.parse("2026-11-23T13:00:00Z");

describe("Retry-After", () => {
  it("reads delay-seconds", () => {
    expect(parseRetryAfter("2", NOW)).toBe(2000);
    expect(parseRetryAfter(" 120 ", NOW)).toBe(120_000);
    expect(parseRetryAfter("0", NOW)).toBe(0);
  });

  it("reads an HTTP-date as the time until then, never negative", () => {
    expect(parseRetryAfter("Mon, 23 Nov 2026 13:00:05 GMT", NOW)).toBe(5000);
    expect(parseRetryAfter("Mon, 23 Nov 2026 12:59:00 GMT", NOW)).toBe(0);
  });

  it("ignores an absent or unreadable header", () => {
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
    expect(parseRetryAfter("", NOW)).toBeUndefined();
    expect(parseRetryAfter("-3", NOW)).toBeUndefined();
    expect(parseRetryAfter("soon", NOW)).toBeUndefined();
    expect(parseRetryAfter("1e3", NOW)).toBeUndefined();
  });

  it("backs off 1 s, 2 s, 4 s … up to 30 s without one", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 100].map(backoffMs)).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  });

  it("waits what the server asked for, else the backoff, and never less than 100 ms", () => {
    expect(retryDelayMs("7", 3, NOW)).toBe(7000);
    expect(retryDelayMs(undefined, 0, NOW)).toBe(1000);
    expect(retryDelayMs("garbage", 2, NOW)).toBe(4000);
    expect(retryDelayMs("0", 0, NOW)).toBe(100);
  });
});

describe("RetryBudget", () => {
  it("waits while the stall stays within max-wait, and gives up for the whole run beyond it", async () => {
    let now = 0;
    const budget = new RetryBudget(1000, { clock: () => now });
    expect(await budget.wait(10, "429")).toBe(true);
    now = 900;
    expect(await budget.wait(200, "429 Too many requests")).toBe(false);
    expect(budget.stopped).toMatch(/^gave up: the API took no request within --max-wait \(1 s\); last answer: 429 Too many requests$/);
    // Everyone else gives up too, at once.
    expect(await budget.wait(1, "429")).toBe(false);
  });

  it("starts the stall clock again on progress", async () => {
    let now = 0;
    const budget = new RetryBudget(1000, { clock: () => now });
    now = 900;
    budget.progressed();
    now = 1800;
    expect(await budget.wait(10, "429")).toBe(true);
  });

  it("wakes a waiting batch when the run is stopped", async () => {
    const budget = new RetryBudget(60_000);
    const waiting = budget.wait(30_000, "429");
    expect(budget.isWaiting).toBe(true);
    budget.stop("not sent: interrupted");
    expect(await waiting).toBe(false);
    expect(budget.isWaiting).toBe(false);
  });

  it("counts the wall-clock time during which at least one batch waited, not the sum of the waits", async () => {
    const budget = new RetryBudget(60_000);
    await Promise.all([budget.wait(150, "429"), budget.wait(150, "429"), budget.wait(150, "429")]);
    expect(budget.waited()).toBeGreaterThanOrEqual(140);
    expect(budget.waited()).toBeLessThan(400);
  });
});
