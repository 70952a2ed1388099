import { createLogger } from "@tally/shared/logger";
import { describe, expect, it } from "vitest";
import { retryTransient } from "./retry-transient.js";

const logger = createLogger("test", "silent");
const transient = Object.assign(new Error("the database system is shutting down"), { code: "57P01" });

describe("retryTransient", () => {
  it("retries transient database errors until the work succeeds", async () => {
    let calls = 0;
    const result = await retryTransient(async () => {
      if (++calls < 4) throw transient;
      return "done";
    }, logger);
    expect(result).toBe("done");
    expect(calls).toBe(4);
  });

  it("gives up at once on other errors", async () => {
    let calls = 0;
    const bad = Object.assign(new Error("bigint out of range"), { code: "22003" });
    const failing = async () => {
      calls++;
      throw bad;
    };
    await expect(retryTransient(failing, logger)).rejects.toBe(bad);
    expect(calls).toBe(1);
  });

  it("hands the error back once shutdown begins", async () => {
    const closing = new AbortController();
    let calls = 0;
    const pending = retryTransient(async () => {
      if (++calls === 2) closing.abort();
      throw transient;
    }, logger, closing.signal);
    await expect(pending).rejects.toBe(transient);
    expect(calls).toBe(2);
  });
});
