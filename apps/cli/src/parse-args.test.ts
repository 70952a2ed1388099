import { describe, expect, it } from "vitest";
import { duration, parseArgs, UsageError, type LoadOptions } from "./parse-args.js";

function options(argv: string[], env = {}): LoadOptions {
  const command = parseArgs(argv, env);
  if (command.command !== "load") throw new Error("expected a load command");
  return command.options;
}

describe("parseArgs", () => {
  it("fills in the defaults", () => {
    expect(options(["load", "messages", "events.ndjson"])).toEqual({
      kind: "messages",
      file: "events.ndjson",
      format: "ndjson",
      url: "http://127.0.0.1:3000",
      batch: 1000,
      batchBytes: 4 * 1024 * 1024,
      concurrency: 4,
      apiKey: undefined,
      maxWaitMs: 600_000,
      json: false,
      quiet: false,
      notes: [],
    });
  });

  it("reads every option, in either --opt value or --opt=value form", () => {
    const o = options(["load", "counters", "c.json", "--url=https://ingest.example/base/", "--batch", "250", "--concurrency", "8", "--api-key", "k1", "--max-wait", "90s", "--json", "--quiet", "--batch-bytes", "1000000"]);
    expect(o).toMatchObject({ kind: "counters", format: "json", url: "https://ingest.example/base", batch: 250, concurrency: 8, apiKey: "k1", maxWaitMs: 90_000, json: true, quiet: true, batchBytes: 1_000_000 });
  });

  it("takes the key from TALLY_API_KEY unless --api-key is given", () => {
    expect(options(["load", "flows", "f.json"], { TALLY_API_KEY: "from-env" }).apiKey).toBe("from-env");
    expect(options(["load", "flows", "f.json", "--api-key", "flag"], { TALLY_API_KEY: "from-env" }).apiKey).toBe("flag");
    expect(options(["load", "flows", "f.json"], { TALLY_API_KEY: "" }).apiKey).toBeUndefined();
  });

  it("clamps a flows --batch to the API's 10,000 per request, saying so", () => {
    const o = options(["load", "flows", "f.json", "--batch", "20000"]);
    expect(o.batch).toBe(10_000);
    expect(o.notes).toEqual(["--batch 20000 is over the 10000 flows the API takes per request; using 10000"]);
    expect(options(["load", "messages", "m.ndjson", "--batch", "20000"]).batch).toBe(20_000);
  });

  it("tells the format from the extension, or --format", () => {
    expect(options(["load", "messages", "m.JSONL"]).format).toBe("ndjson");
    expect(options(["load", "messages", "m.json"]).format).toBe("json");
    expect(options(["load", "messages", "m.txt", "--format", "ndjson"]).format).toBe("ndjson");
    expect(() => parseArgs(["load", "messages", "m.txt"])).toThrow(/cannot tell the format of "m.txt"/);
  });

  it("takes products only as a JSON array file, and says --batch does not apply to them", () => {
    expect(() => parseArgs(["load", "products", "p.ndjson"])).toThrow(/must be one JSON array/);
    expect(options(["load", "products", "p.json", "--batch", "5"]).notes).toEqual(["products are sent as one request body: --batch and --concurrency do not apply"]);
  });

  it.each([
    [[], /missing command/],
    [["upload"], /unknown command "upload"/],
    [["load"], /missing kind/],
    [["load", "bogus", "x.ndjson"], /unknown kind "bogus": expected one of messages, counters, flows, products/],
    [["load", "messages"], /missing file/],
    [["load", "messages", "a.ndjson", "b.ndjson"], /unexpected argument "b.ndjson"/],
    [["load", "messages", "a.ndjson", "--bach", "1"], /Unknown option '--bach'/],
    [["load", "messages", "a.ndjson", "--batch", "0"], /--batch must be an integer from 1/],
    [["load", "messages", "a.ndjson", "--batch", "1e3"], /--batch must be an integer/],
    [["load", "messages", "a.ndjson", "--concurrency", "1000"], /--concurrency must be an integer from 1 to 256/],
    [["load", "messages", "a.ndjson", "--max-wait", "soon"], /--max-wait must be a duration/],
    [["load", "messages", "a.ndjson", "--url", "localhost:3000"], /--url must be http or https/],
    [["load", "messages", "a.ndjson", "--url", "nope"], /--url must be a URL/],
    [["load", "messages", "a.ndjson", "--format", "csv"], /--format must be ndjson or json/],
  ])("refuses %j as a usage error", (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });

  it("answers --help whatever else is given", () => {
    expect(parseArgs(["load", "--help"])).toEqual({ command: "help" });
    expect(parseArgs(["-h"])).toEqual({ command: "help" });
  });
});

describe("duration", () => {
  it.each([
    ["90", 90_000],
    ["90s", 90_000],
    ["10m", 600_000],
    ["1.5h", 5_400_000],
    ["250ms", 250],
  ])("reads %s", (text, ms) => expect(duration("--max-wait", text)).toBe(ms));
});
