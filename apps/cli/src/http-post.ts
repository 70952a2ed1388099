import http from "node:http";
import https from "node:https";
import type { Readable } from "node:stream";

/** An HTTP answer, whatever its status. */
export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * No answer came. `maybeSent` says whether the server may have received the request (and acted on it):
 * false only when the connection was never made, or was a kept-alive one the server had already closed.
 */
export class RequestFailed extends Error {
  override readonly name = "RequestFailed";

  constructor(
    message: string,
    readonly maybeSent: boolean,
    options?: { cause: unknown },
  ) {
    super(message, options);
  }
}

export interface PostRequest {
  url: string;
  headers: Record<string, string>;
  /** The whole body, or a way to open a fresh stream of it (a retry needs a new one) with its length. */
  body: Buffer | { open: () => Readable; length: number };
}

export type Post = (request: PostRequest) => Promise<HttpAnswer>;

/** A request that neither sends nor receives a byte for this long has hung: give up on it. */
const IDLE_TIMEOUT_MS = 120_000;
/** Problem documents are small; an answer bigger than this is cut, not buffered. */
const MAX_ANSWER_BYTES = 1024 * 1024;

/**
 * POSTs over kept-alive connections, at most `connections` at once; `close` frees them so the process can exit.
 * node:http rather than @tally/client (fetch): a batch must stream a file with its Content-Length, stop
 * sending when the API answers early, and know whether a failed request may have reached the API
 * (`maybeSent`), which fetch's one "fetch failed" does not say. The shapes it reads are the client's types.
 */
export function createPoster(connections: number): { post: Post; close(): void } {
  const agents = {
    "http:": new http.Agent({ keepAlive: true, maxSockets: connections }),
    "https:": new https.Agent({ keepAlive: true, maxSockets: connections }),
  };
  return {
    post: (request) => post(request, agents),
    close() {
      agents["http:"].destroy();
      agents["https:"].destroy();
    },
  };
}

function post({ url, headers, body }: PostRequest, agents: { "http:": http.Agent; "https:": https.Agent }): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const secure = target.protocol === "https:";
    // Always a Content-Length, never chunked: the products route checks it against its limit before reading.
    const options = { method: "POST", headers: { ...headers, "content-length": String(body.length) } };
    const req = secure ? https.request(target, { ...options, agent: agents["https:"] }) : http.request(target, { ...options, agent: agents["http:"] });
    let connected = false;
    let answered = false;
    let settled = false;
    let source: Readable | undefined;

    const fail = (error: Error & { code?: string }) => {
      if (settled) return;
      settled = true;
      source?.destroy();
      req.destroy();
      if (error instanceof LocalReadError) return reject(error.cause);
      // Node's advice: a kept-alive socket the server closed while idle fails with ECONNRESET before the
      // server read anything, so that request was never seen.
      const staleSocket = req.reusedSocket && error.code === "ECONNRESET" && !answered;
      const maybeSent = connected && !staleSocket;
      reject(new RequestFailed(`${error.code ?? error.name}: ${error.message}`, maybeSent, { cause: error }));
    };

    req.on("socket", (socket) => {
      if (!socket.connecting) connected = true;
      else socket.once(secure ? "secureConnect" : "connect", () => (connected = true));
    });
    req.setTimeout(IDLE_TIMEOUT_MS, () => req.destroy(new Error(`no progress for ${IDLE_TIMEOUT_MS / 1000} s`)));
    req.on("error", fail);
    req.on("response", (res) => {
      answered = true;
      // The server may answer before reading the whole body (429 at once, 413 on Content-Length): stop sending.
      if (source && !req.writableFinished) {
        source.unpipe(req);
        source.destroy();
      }
      const parts: Buffer[] = [];
      let bytes = 0;
      res.on("data", (part: Buffer) => {
        if (bytes < MAX_ANSWER_BYTES) parts.push(part);
        bytes += part.length;
      });
      res.on("error", fail);
      res.on("end", () => {
        if (settled) return;
        settled = true;
        // A body we stopped sending leaves the connection unusable: never hand it back to the pool.
        if (!req.writableFinished) req.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString("utf8") });
      });
    });

    if (Buffer.isBuffer(body)) {
      req.end(body);
    } else {
      source = body.open();
      source.on("error", (error) => fail(new LocalReadError(error)));
      source.pipe(req);
    }
  });
}

/** The body's own source failed (the file could not be read): the caller's problem, not the network's. */
class LocalReadError extends Error {
  override readonly name = "LocalReadError";

  constructor(override readonly cause: Error) {
    super(cause.message);
  }
}
