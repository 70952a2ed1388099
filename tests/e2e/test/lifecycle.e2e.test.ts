import { connect, createServer } from "node:net";
import { eventually, freePort, startApp, waitForLog } from "@tally/testing";
import { describe, expect, it } from "vitest";

/**
 * How each process starts and stops, as processes: a port it cannot have, a configuration it cannot
 * use, and a SIGTERM while a request is still in flight.
 */

const APPS = [
  ["ingest-api", "INGEST_PORT"],
  ["query-api", "QUERY_PORT"],
  ["aggregator-worker", "WORKER_PORT"],
] as const;

describe("a port already in use", () => {
  it.each(APPS)("%s exits with 1, naming the port, instead of serving nothing", async (name, variable) => {
    const squatter = createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => squatter.listen(port, resolve));
    try {
      const app = startApp(name, { [variable]: String(port), QUEUE_PREFIX: `test-port-${port}` });
      expect(await app.exited).toBe(1);
      expect(app.output()).toContain(`could not listen on port ${port}`);
      expect(app.output()).toContain("EADDRINUSE");
      expect(app.output()).not.toContain("aggregator worker started");
    } finally {
      squatter.close();
    }
  });
});

describe("a configuration error", () => {
  it.each(APPS)("%s exits with 1 naming the variable, and never prints a password", async (name) => {
    const app = startApp(name, { DATABASE_URL: "postgres://tally:s3cret-pw@db.example:99999/tally", INGEST_API_KEYS: "tiny-but-secret" });
    expect(await app.exited).toBe(1);
    expect(app.output()).toContain("DATABASE_URL");
    expect(app.output()).toContain("postgres://tally:***@db.example:99999/tally");
    expect(app.output()).toContain("INGEST_API_KEYS");
    expect(app.output()).not.toContain("s3cret-pw");
    expect(app.output()).not.toContain("tiny-but-secret");
  });
});

describe("SIGTERM", () => {
  /**
   * A connection that has sent part of a request: not idle, so a closing server keeps it and answers it.
   * The part follows a whole request in the same write; once that one is answered, the server has read
   * the part too, so a SIGTERM sent then cannot find the connection idle.
   */
  const halfRequest = async (port: number) => {
    const socket = connect(port, "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    let answer = "";
    socket.on("data", (d: Buffer) => (answer += d.toString()));
    socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /readyz HTTP/1.1\r\nHost: x\r\n");
    const answered = (from: number) =>
      eventually(async () => (/\r\n\r\n\{.*\}$/s.test(answer.slice(from)) ? answer.slice(from) : undefined), 10_000, "an answer");
    const first = await answered(0);
    expect(first).toMatch(/^HTTP\/1.1 200/);
    return {
      socket,
      finish: async () => {
        socket.write("\r\n");
        const second = await answered(first.length);
        socket.destroy();
        return second;
      },
    };
  };

  it("turns readiness to 503 first, finishes what is in flight, and exits 0", async () => {
    const port = await freePort();
    const app = startApp("query-api", { QUERY_PORT: String(port) });
    await waitForLog(app, "query API listening");
    const inFlight = await halfRequest(port);
    app.child.kill("SIGTERM");
    await waitForLog(app, "shutting down");
    // The server has stopped listening but keeps the connection that is mid-request, and answers it.
    const answer = await inFlight.finish();
    expect(answer).toMatch(/^HTTP\/1.1 503/);
    expect(answer).toContain('"status":"stopping"');
    expect(answer.toLowerCase()).toContain("connection: close");
    expect(await app.exited).toBe(0);
  });

  it("gives up on what is still in flight after SHUTDOWN_TIMEOUT_MS and exits 1", async () => {
    const port = await freePort();
    const app = startApp("query-api", { QUERY_PORT: String(port), SHUTDOWN_TIMEOUT_MS: "1500" });
    await waitForLog(app, "query API listening");
    const { socket } = await halfRequest(port); // never finished
    const started = Date.now();
    app.child.kill("SIGTERM");
    expect(await app.exited).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect(app.output()).toContain("shutdown took too long");
    socket.destroy();
  });
});
