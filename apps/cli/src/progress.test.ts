import { describe, expect, it } from "vitest";
import { formatProgress, formatSeconds, startProgress } from "./progress.js";

const state = { bytesRead: 12_000_000, totalBytes: 25_000_000, events: 4800, retries: 0, waiting: false };

describe("progress", () => {
  it("shows bytes read of the total, events, events/s and an ETA", () => {
    expect(formatProgress(state, 1_000_000, 1600)).toBe("[#####·····]  48% 12.0/25.0 MB  4,800 events  1,600 events/s  ETA 13s");
  });

  it("says when it is retrying and waiting, and has no ETA while nothing moves", () => {
    expect(formatProgress({ ...state, retries: 3, waiting: true }, 0, 0).endsWith("ETA ?  3 retries  waiting to retry")).toBe(true);
  });

  it("formats durations", () => {
    expect([5, 75, 3700].map(formatSeconds)).toEqual(["5s", "1m15s", "1h01m"]);
  });

  it("redraws one line with \\r on a TTY and ends it on stop", () => {
    const out: string[] = [];
    startProgress("tty", { write: (s) => out.push(s), columns: 40 }, () => state).stop();
    expect(out).toHaveLength(2);
    // \r, the line cut to the terminal's width, then "erase to the end of the line".
    expect(out[0]!.startsWith("\r[#####·····]  48% ")).toBe(true);
    expect(out[0]!.endsWith("\x1b[K")).toBe(true);
    expect(out[0]!.length).toBeLessThanOrEqual(1 + 39 + 3);
    expect(out[1]).toBe("\n");
  });

  it("writes nothing when off, and nothing extra on stop when plain", () => {
    const out: string[] = [];
    startProgress("off", { write: (s) => out.push(s) }, () => state).stop();
    startProgress("plain", { write: (s) => out.push(s) }, () => state).stop();
    expect(out).toEqual([]);
  });
});
