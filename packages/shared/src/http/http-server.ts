import { randomUUID } from "node:crypto";
import { createServer, STATUS_CODES, type RequestListener, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import { HttpError } from "./problem.js";

/** How long a client has to read an error answer before its socket is destroyed anyway. */
const LINGER_MS = 5000;

/**
 * The HTTP server every Tally process serves its app with. It differs from node's defaults twice:
 * - `Expect: 100-continue` requests reach the app without an automatic `100 Continue`, so a route can
 *   refuse a body it would not take (413 by its declared length, 415, 429) before the client sends it;
 *   the body readers send `100 Continue` themselves once they mean to read.
 * - Requests node rejects before the app sees them (bad framing, headers too large, a body cut short)
 *   are answered as problem+json with an `X-Request-Id` and logged, like every other error.
 */
export function createHttpServer(app: RequestListener, logger: Logger): Server {
  const server = createServer(app);
  server.on("checkContinue", (req, res) => app(req, res));
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => answerClientError(error, socket, logger));
  return server;
}

/** What node's parser errors mean for the client, as RFC 9457 problems. */
function problemFor(code: string | undefined): HttpError {
  switch (code) {
    case "HPE_HEADER_OVERFLOW":
      return new HttpError(431, "Request header fields too large", "the request's headers are over the server's limit (16 KiB)");
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
      return new HttpError(413, "Payload too large", "the body's chunk extensions are over the server's limit");
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return new HttpError(408, "Request timeout", "the request did not arrive in time");
    case "HPE_INVALID_EOF_STATE":
      return new HttpError(400, "Incomplete body", "the connection ended before the request did");
    default:
      return new HttpError(400, "Bad request", `the request is not valid HTTP/1.1 (${code ?? "unknown error"})`);
  }
}

function answerClientError(error: NodeJS.ErrnoException, socket: Duplex, logger: Logger): void {
  // A response already under way (or a socket the peer reset) cannot carry another answer.
  const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage ?? undefined;
  if (error.code === "ECONNRESET" || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const requestId = String(inFlight?.getHeader("x-request-id") ?? randomUUID());
  const problem = problemFor(error.code);
  const body = JSON.stringify(problem.toProblem());
  logger.info({ reqId: requestId, code: error.code, status: problem.status }, "request refused by the HTTP parser");
  socket.end(
    `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? problem.title}\r\n` +
      "Content-Type: application/problem+json\r\n" +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Request-Id: ${requestId}\r\n` +
      "Connection: close\r\n\r\n" +
      body,
  );
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}
