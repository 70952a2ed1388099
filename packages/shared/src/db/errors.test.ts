import { describe, expect, it } from "vitest";
import { isCancelledStatement, isRetryableDbError } from "./errors.js";

describe("isRetryableDbError", () => {
  it.each([
    ["a deadlock", Object.assign(new Error("deadlock detected"), { code: "40P01" })],
    ["a serialization failure", Object.assign(new Error("could not serialize"), { code: "40001" })],
    ["Postgres shutting down", Object.assign(new Error("terminating connection"), { code: "57P01" })],
    ["a refused connection", Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })],
    ["a connection lost mid-query (no code)", new Error("Connection terminated unexpectedly")],
    ["a client broken by a lost connection (no code)", new Error("Client has encountered a connection error and is not queryable")],
    ["a pool that cannot connect in time (no code)", new Error("timeout exceeded when trying to connect")],
  ])("retries %s", (_, error) => {
    expect(isRetryableDbError(error)).toBe(true);
  });

  it.each([
    ["a constraint violation", Object.assign(new Error("duplicate key"), { code: "23505" })],
    ["a numeric overflow", Object.assign(new Error("bigint out of range"), { code: "22003" })],
    ["a bug", new TypeError("x is undefined")],
    ["nothing", undefined],
  ])("does not retry %s", (_, error) => {
    expect(isRetryableDbError(error)).toBe(false);
  });
});

describe("isCancelledStatement", () => {
  it("knows a statement Postgres cancelled (its time limit, or an operator)", () => {
    expect(isCancelledStatement(Object.assign(new Error("canceling statement due to statement timeout"), { code: "57014" }))).toBe(true);
    expect(isRetryableDbError(Object.assign(new Error("canceling statement due to statement timeout"), { code: "57014" }))).toBe(false);
  });

  it.each([["another error", Object.assign(new Error("deadlock detected"), { code: "40P01" })], ["nothing", undefined]])("does not mistake %s for one", (_, error) => {
    expect(isCancelledStatement(error)).toBe(false);
  });
});
