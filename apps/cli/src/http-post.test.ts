import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { createPoster, RequestFailed } from "./http-post.js";

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("post", () => {
  it("returns any status with its headers and body", async () => {
    const url = await serve((req, res) => {
      let body = "";
      req.on("data", (d: Buffer) => (body += d.toString()));
      req.on("end", () => res.writeHead(429, { "retry-after": "3" }).end(`got ${body} (${req.headers["content-length"]} bytes)`));
    });
    const { post, close } = createPoster(2);
    const answer = await post({ url, headers: {}, body: Buffer.from("[1,2]") });
    close();
    expect(answer).toMatchObject({ status: 429, body: "got [1,2] (5 bytes)", headers: { "retry-after": "3" } });
  });

  it("says a refused connection was not sent", async () => {
    const url = await serve(() => {});
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
    const { post, close } = createPoster(1);
    const error = await post({ url, headers: {}, body: Buffer.from("[]") }).catch((e: unknown) => e);
    close();
    expect(error).toBeInstanceOf(RequestFailed);
    expect(error).toMatchObject({ maybeSent: false, message: expect.stringMatching(/^ECONNREFUSED/) });
  });

  it("says a connection cut after the request was sent may have been received", async () => {
    const url = await serve((req) => req.socket.destroy());
    const { post, close } = createPoster(1);
    const error = await post({ url, headers: {}, body: Buffer.from("[]") }).catch((e: unknown) => e);
    close();
    expect(error).toMatchObject({ maybeSent: true });
  });

  it("streams a body from a fresh stream, and stops sending when answered early", async () => {
    let received = 0;
    const url = await serve((req, res) => {
      req.on("data", (d: Buffer) => (received += d.length));
      res.writeHead(413, { connection: "close" }).end("too large");
    });
    const { post, close } = createPoster(1);
    // 64 MiB announced, produced lazily: it must not all be produced for an answer that came first.
    let produced = 0;
    const open = () =>
      Readable.from(
        (function* () {
          for (let i = 0; i < 1024; i++) {
            produced += 65536;
            yield Buffer.alloc(65536);
          }
        })(),
      );
    const answer = await post({ url, headers: {}, body: { open, length: 64 * 1024 * 1024 } }).catch((e: unknown) => e);
    close();
    // The server may have cut the connection before its answer was read: either outcome is allowed, but not a full send.
    if (!(answer instanceof RequestFailed)) expect(answer).toMatchObject({ status: 413, body: "too large" });
    expect(produced).toBeLessThan(64 * 1024 * 1024);
    expect(received).toBeLessThan(64 * 1024 * 1024);
  });
});
