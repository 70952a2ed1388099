import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.js";

describe("loadConfig", () => {
  it("gives SPEC §1's defaults for an empty environment", () => {
    expect(loadConfig({})).toMatchObject({
      DATABASE_URL: "postgres://postgres@127.0.0.1:5432/tally",
      QUERY_DATABASE_URL: "postgres://postgres@127.0.0.1:5432/tally",
      REDIS_URL: "redis://127.0.0.1:6379",
      QUEUE_PREFIX: "tally",
      INGEST_PORT: 3000,
      QUERY_PORT: 3001,
      DEDUP_WINDOW_MS: 600_000,
      MAX_FLOWS_PER_REQUEST: 10_000,
      LOG_LEVEL: "info",
    });
  });

  it("lets QUERY_DATABASE_URL default to DATABASE_URL, and treats empty values as unset", () => {
    const config = loadConfig({ DATABASE_URL: "postgres://u@db:5432/x", INGEST_PORT: "" });
    expect(config.QUERY_DATABASE_URL).toBe("postgres://u@db:5432/x");
    expect(config.INGEST_PORT).toBe(3000);
  });

  it("is frozen", () => {
    expect(Object.isFrozen(loadConfig({}))).toBe(true);
  });

  it("names every bad variable and its value, hiding passwords", () => {
    let error: unknown;
    try {
      loadConfig({ INGEST_PORT: "abc", DATABASE_URL: "mysql://u:secret@h/db", LOG_LEVEL: "loud" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain("INGEST_PORT");
    expect(message).toContain('"abc"');
    expect(message).toContain("DATABASE_URL");
    expect(message).toContain("LOG_LEVEL");
    expect(message).not.toContain("secret");
  });

  it("hides the password of a URL that does not even parse, and never shows a key", () => {
    const message = (() => {
      try {
        loadConfig({ DATABASE_URL: "postgres://user:p@ss:w0rd@host:99999/db", REDIS_URL: "redis://:hunter2@h:1:2", INGEST_API_KEYS: "short-secret" });
      } catch (e) {
        return (e as Error).message;
      }
      return "";
    })();
    expect(message).toContain("DATABASE_URL");
    expect(message).toContain("postgres://user:***@host:99999/db");
    expect(message).toContain("REDIS_URL");
    expect(message).toContain("INGEST_API_KEYS");
    for (const secret of ["p@ss", "w0rd", "hunter2", "short-secret"]) expect(message).not.toContain(secret);
  });

  it("reads API keys as a comma-separated list, none by default", () => {
    expect(loadConfig({}).INGEST_API_KEYS).toEqual([]);
    expect(loadConfig({ QUERY_API_KEYS: " aaaaaaaaaaaaaaaa , bbbbbbbbbbbbbbbb," }).QUERY_API_KEYS).toEqual(["aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb"]);
  });

  it.each([["QUEUE_PREFIX", "has:colon"],
    ["INGEST_API_KEYS", "short"], ["QUERY_PORT", "70000"], ["DEDUP_WINDOW_MS", "-1"], ["MAX_FLOWS_PER_REQUEST", "1.5"]])(
    "refuses %s=%s",
    (name, value) => {
      expect(() => loadConfig({ [name]: value })).toThrow(name);
    },
  );
});
