import { describe, expect, it } from "vitest";
import { checkSomethingListens, NothingListening } from "./preflight.js";

const failing = (cause: object) => async () => Promise.reject(Object.assign(new TypeError("fetch failed"), { cause }));

describe("checkSomethingListens", () => {
  it("lets the run go on whatever the API answers, 503 included: the batches wait that out", async () => {
    await expect(checkSomethingListens("http://api.test", async () => new Response("{}", { status: 503 }))).resolves.toBeUndefined();
  });

  it("lets the run go on after a failure other than a refused connection", async () => {
    await expect(checkSomethingListens("http://api.test", failing({ code: "ECONNRESET" }))).resolves.toBeUndefined();
    await expect(checkSomethingListens("http://api.test", failing({ code: "ECONNREFUSED", errors: [{ code: "ECONNREFUSED" }, { code: "ETIMEDOUT" }] }))).resolves.toBeUndefined();
  });

  it("throws NothingListening, naming the URL, when the connection is refused", async () => {
    const check = checkSomethingListens("http://127.0.0.1:3000", failing({ code: "ECONNREFUSED" }));
    await expect(check).rejects.toBeInstanceOf(NothingListening);
    await expect(check).rejects.toThrow("nothing is listening at http://127.0.0.1:3000: is the ingest API running?");
  });
});
