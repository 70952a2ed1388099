import { describe, expect, it } from "vitest";
import { formatSummary, MAX_REASONS, Summary } from "./summary.js";

function summary() {
  let now = 0;
  const s = new Summary("messages", "m.ndjson", () => now);
  return { s, advance: (ms: number) => (now += ms) };
}

describe("Summary", () => {
  it("counts each event in one outcome and exits 0 only when all were accepted", () => {
    const { s } = summary();
    s.accepted(10);
    expect(s.total).toBe(10);
    expect(s.exitCode()).toBe(0);
    s.add({ outcome: "ambiguous", where: "lines 1–2", message: "lost", events: 2 });
    expect(s.total).toBe(12);
    expect(s.exitCode()).toBe(1);
  });

  it("exits 1 when the file broke off even if all it read was accepted", () => {
    const { s } = summary();
    s.accepted(3);
    s.fileError = "the file ends before the array is closed (at byte 99)";
    expect(s.exitCode()).toBe(1);
  });

  it("merges run-wide reasons and keeps at most 20 others, counting the rest", () => {
    const { s } = summary();
    for (let i = 0; i < 3; i++) s.add({ outcome: "notSent", message: "gave up", events: 100 });
    for (let i = 0; i < 25; i++) s.add({ outcome: "rejected", where: `line ${i}`, message: "not valid JSON", events: 1 });
    expect(s.reasons[0]).toEqual({ outcome: "notSent", message: "gave up", events: 300, batches: 3 });
    expect(s.reasons).toHaveLength(MAX_REASONS);
    expect(s.omittedReasons).toBe(6);
    expect(s.events).toEqual({ accepted: 0, rejected: 25, ambiguous: 0, notSent: 300 });
  });

  it("reads well, and as JSON", () => {
    const { s, advance } = summary();
    s.accepted(1500);
    s.add({ outcome: "rejected", where: "lines 1001–2000", status: 422, message: "Validation failed: 1 invalid field", errors: ["line 1500, amount: bad"], events: 1000 });
    s.stats.requests = 4;
    s.stats.retries = 1;
    advance(2000);
    s.finish(1250);
    expect(formatSummary(s)).toBe(
      [
        "tally load messages m.ndjson",
        "  events     2,500",
        "  accepted   1,500",
        "  rejected   1,000",
        "  ambiguous  0",
        "  not sent   0",
        "  requests   4 (1 retries, 0 replayed, waited 1.3 s)",
        "  elapsed    2 s, 750 events/s accepted",
        "reasons:",
        "  - rejected, lines 1001–2000, 1,000 events: 422 Validation failed: 1 invalid field",
        "      line 1500, amount: bad",
        "",
      ].join("\n"),
    );
    expect(s.toJSON()).toMatchObject({ events: 2500, accepted: 1500, rejected: 1000, waitedSeconds: 1.3, elapsedSeconds: 2, eventsPerSecond: 750 });
  });
});
